"""An officer election end to end (issue 15): stewards per unit by plurality, a president by
instant runoff, three convention delegates by Scottish STV.

The committee over HTTP; the trustees' own tool for the key ceremony, the tally of the choose
races, the shuffles and the decryption of the mixed ballots; members of two units, in English
and Korean, each shown their own unit's races with the candidates rotated (president) or in
their language's alphabetical order (delegates), two of them voting in Chromium by the names
they see (at 320 and 1280 px), the others casting real encrypted ballots over HTTP; the public
result page showing every round; and the downloaded record through ``ballot verify``, which
passes, prints the rounds, and fails once any single entry is changed.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from ballot.cli import app as cli_app
from ballot.crypto.ballots import encrypt_ballot
from ballot.crypto.group import Element
from ballot.crypto.manifest import ElectionManifest, election_fingerprint
from tests.support.browser import check_page, chromium, require_browser, shots_folder
from tests.support.committee import Committee as Admin
from tests.support.inbox import Inbox, plain_text
from tests.support.live import LiveServer
from tests.support.live import start_server as start
from tests.support.trustees import ceremony_cli, ceremony_election, finish, shuffle_cli, tally_cli


def texts(en: str, ko: str) -> dict[str, str]:
    return {"en": en, "ko": ko}


PRESIDENT = [
    texts("Ana Ruiz", "아나 루이스"),
    texts("Ben Okafor", "벤 오카포"),
    texts("Chen Li", "첸 리"),
]
NORTH = [texts(n, n) for n in ("Ivan", "Jun", "Kemi", "Lena")]
SOUTH = [texts(n, n) for n in ("Mara", "Nico", "Omar", "Pia")]
DELEGATES = [
    texts("Dae Kim", "김대"),
    texts("Eva Stone", "에바 스톤"),
    texts("Femi Ade", "페미 아데"),
    texts("Goh Tan", "고 탄"),
    texts("Hao Wu", "하오 우"),
]
DEFINITION: dict[str, Any] = {
    "kind": "officer",
    "title": texts("Officer election 2026", "2026년 임원 선거"),
    "opens_at": "2026-05-02T09:00:00Z",
    "closes_at": "2099-05-09T17:00:00Z",
    "rule": "majority",
    "allow_blank": True,
    "trustees": {"n": 3, "k": 2},
    "questions": [
        {
            "text": texts("President", "위원장"),
            "ranked": True,
            "method": "instant_runoff",
            "seats": 1,
            "order": "rotated",
            "options": PRESIDENT,
        },
        {
            "text": texts("Stewards, North", "북부 대의원"),
            "min": 0,
            "max": 3,
            "unit": "North",
            "options": NORTH,
        },
        {
            "text": texts("Stewards, South", "남부 대의원"),
            "min": 0,
            "max": 3,
            "unit": "South",
            "options": SOUTH,
        },
        {
            "text": texts("Convention delegates", "대회 대표"),
            "ranked": True,
            "method": "scottish_stv",
            "seats": 3,
            "order": "alphabetical",
            "options": DELEGATES,
        },
    ],
}
#: name -> (unit, language); four members in each unit, half of them reading Korean.
MEMBERS = {
    "ana": ("North", "en"),
    "ben": ("North", "ko"),
    "chen": ("North", "en"),
    "dara": ("North", "ko"),
    "eli": ("South", "en"),
    "fay": ("South", "ko"),
    "gil": ("South", "en"),
    "hana": ("South", "ko"),
}
ROLL = "member_id,name,email,language,unit,challenged\n" + "".join(
    f"M{i:03},{name.title()} Member,{name}@example.org,{lang},{unit},\n"
    for i, (name, (unit, lang)) in enumerate(MEMBERS.items(), start=1)
)
#: Each member's ballot: (president ranking, their unit's stewards, delegates ranking), by
#: canonical candidate index.  President: round 1 is Ana 3, Ben 3, Chen 2; Chen is excluded
#: and both of Chen's ballots go on to Ben, who wins 5 to 3.  Stewards: Ivan, Jun, Kemi
#: (3, 3, 2 votes) in the North and Mara, Nico, Omar in the South.  Delegates: quota 3;
#: Dae and Eva reach it at once, Femi (2) takes the third seat.
VOTES = {
    "ana": ([0, 2], [0, 1, 2], [0, 1]),
    "ben": ([0, 1], [0, 1, 3], [0, 2]),
    "chen": ([0], [0, 2], [0, 1]),
    "dara": ([1, 2], [1], [1, 0]),
    "eli": ([1, 2], [0, 1, 2], [1, 2]),
    "fay": ([1], [0, 1], [1, 3]),
    "gil": ([2, 1], [0, 3], [2, 3]),
    "hana": ([2, 1], [2, 1], [2, 4]),
}
#: Who votes in Chromium on the member's page (at which width), choosing by the names shown:
#: a Korean reader of the North at phone width and an English reader of the South.
IN_BROWSER = {"ben": 320, "eli": 1280}
STEWARDS = {"North": (1, NORTH), "South": (2, SOUTH)}


@pytest.fixture
def sink() -> Iterator[Inbox]:
    s = Inbox().start()
    try:
        yield s
    finally:
        s.stop()


def verify(record: Path) -> Any:
    return CliRunner().invoke(
        cli_app, ["verify", str(record), "--jobs", "1"], env={"COLUMNS": "250"}
    )


def ok(process: Any) -> str:
    rc, out, err = finish(process)
    assert rc == 0, out + err
    return str(out)


def candidate_order(page: str, race: int) -> list[str]:
    """The candidates the member's first menu of a ranked race offers, in page order."""
    menu = re.search(rf'<select id="q{race}-r0"[^>]*>(.*?)</select>', page, re.S)
    assert menu is not None, f"no first-choice menu for race {race}"
    return [
        re.sub(r"\s+", " ", label).strip()
        for _value, label in re.findall(r'<option value="(\d+)"[^>]*>(.*?)</option>', menu[1])
    ]


def changed(record: Path, tmp: Path, kind: str, edit: Any) -> Path:
    """A copy of the record with the first board entry of ``kind`` edited by ``edit``."""
    out = tmp / f"edited-{kind}.zip"
    with zipfile.ZipFile(record) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith("board.jsonl"):
                lines = data.decode().splitlines()
                for i, line in enumerate(lines):
                    entry = json.loads(line)
                    if entry["kind"] == kind:
                        edit(entry["payload"])
                        lines[i] = json.dumps(entry, separators=(",", ":"), ensure_ascii=False)
                        break
                else:
                    raise AssertionError(f"no {kind} entry")
                data = ("\n".join(lines) + "\n").encode()
            dst.writestr(item, data)
    return out


RUNS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("migrated_db_url", RUNS, indirect=True)
def test_officer_election_end_to_end_and_verified(
    migrated_db_url: str, tmp_path: Path, sink: Inbox
) -> None:
    require_browser()
    live = start(migrated_db_url, tmp_path, smtp_port=sink.port, mail_rate=1000.0)
    admin = Admin(live.base)
    try:
        election_id = run_election(live, admin, sink, tmp_path)
        check_record(live, election_id, tmp_path)
    finally:
        admin.close()
        live.stop()


def vote_in_browser(
    browser: Any, live: LiveServer, token: str, name: str, width: int, shots: Path
) -> None:
    """The member's own page: each rank's menu set by the candidate's name as shown (the
    menus list them rotated or alphabetical), their unit's stewards ticked, then cast."""
    unit, lang = MEMBERS[name]
    president, stewards, delegates = VOTES[name]
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{live.base}/v/{token}?lang={lang}")
    page.wait_for_selector("#ballot-form:not([hidden])")
    for race, ranking, names in ((0, president, PRESIDENT), (3, delegates, DELEGATES)):
        for rank, candidate in enumerate(ranking):
            page.select_option(f"#q{race}-r{rank}", label=names[candidate][lang])
    race, _names = STEWARDS[unit]
    for candidate in stewards:
        page.check(f"#q{race}-o{candidate}")
    check_page(page, live.base, width, shots / f"ballot-{lang}-{width}.png")
    page.locator("#review-button").click()
    page.wait_for_selector("#review:not([hidden])")
    first = PRESIDENT[president[0]][lang]
    assert f"1. {first}" in page.locator("#review").inner_text()
    page.locator("#cast-button").click()
    page.wait_for_selector("#receipt:not([hidden])")
    check_page(page, live.base, width, shots / f"receipt-{lang}-{width}.png")
    context.close()


def run_election(live: LiveServer, admin: Admin, sink: Inbox, tmp_path: Path) -> str:
    election_id = ceremony_election(admin, DEFINITION, roll=ROLL)
    for process in [ceremony_cli(live, election_id, t) for t in (1, 2, 3)]:
        ok(process)
    for target in ("ready", "open"):
        admin.post(f"/api/elections/{election_id}/state", json={"target": target})
    assert live.deliver() == len(MEMBERS)
    tokens = sink.tokens(base=live.base)
    # Rankings are decrypted one by one after the mix-net: no message or page may say that
    # only totals are ever decrypted.
    invitation = next(m for m in sink.wait_for(len(MEMBERS)) if re.search(r"\bana@", str(m["To"])))
    assert "ranked choices are decrypted only after several trustees" in plain_text(invitation)

    info = admin.get(f"/api/elections/{election_id}/ceremony/remote")
    manifest_json = admin.get(f"/api/elections/{election_id}/ceremony")["manifest"]
    manifest = ElectionManifest.from_definition(manifest_json)
    transcript = info["transcript"]
    key = Element.from_hex(transcript["joint_public_key"])
    vkeys = [Element.from_hex(transcript["verification_keys"][str(i)]) for i in (1, 2, 3)]
    fingerprint = election_fingerprint(bytes.fromhex(info["manifest_hash"]), key, vkeys)

    orders: dict[str, list[str]] = {}
    shots = shots_folder(Path("/work/shots/officers"), fallback=tmp_path)
    with chromium() as browser:
        for name, width in IN_BROWSER.items():
            vote_in_browser(browser, live, tokens[f"{name}@example.org"], name, width, shots)
    with httpx.Client(base_url=live.base, timeout=60) as voter:
        for name, (unit, lang) in MEMBERS.items():
            if name in IN_BROWSER:  # voted already: their page now shows the receipt
                continue
            token = tokens[f"{name}@example.org"]
            page = voter.get(f"/v/{token}?lang={lang}").text
            # Their own unit's stewards only; the other unit's race is not on the page.
            races = [
                re.sub(r"<[^>]+>", "", legend).split(".", 1)[1].strip()
                for legend in re.findall(r"<legend>(.*?)</legend>", page, re.S)
            ]
            stewards = {
                ("North", "en"): "Stewards, North",
                ("South", "en"): "Stewards, South",
                ("North", "ko"): "북부 대의원",
                ("South", "ko"): "남부 대의원",
            }[unit, lang]
            first, last = (
                ("President", "Convention delegates") if lang == "en" else ("위원장", "대회 대표")
            )
            assert races == [first, stewards, last], races
            orders[name] = candidate_order(page, 0)
            if lang == "en":
                assert "ranked choices are unlocked only after several trustees" in page
            president, stewards, delegates = VOTES[name]
            ballot, _ = encrypt_ballot(
                manifest, key, fingerprint, [president, stewards, delegates], unit=unit
            )
            cast = voter.post("/api/cast", json={"token": token, "ballot": ballot.to_json()})
            assert cast.status_code == 201, cast.text
    # Rotation is per member: not every member sees the president's candidates alike, and
    # each sees all three, in their own language.
    assert len({tuple(o) for o in orders.values()}) > 1, orders
    assert sorted(orders["ana"]) == sorted(t["en"] for t in PRESIDENT)
    assert sorted(orders["dara"]) == sorted(t["ko"] for t in PRESIDENT)

    admin.post(f"/api/elections/{election_id}/state", json={"target": "closed"})
    admin.post(f"/api/elections/{election_id}/tally")
    for trustee in (1, 2):
        ok(tally_cli(live, election_id, trustee))
    assert admin.get(f"/api/elections/{election_id}")["state"] == "mixing"
    ok(shuffle_cli(live, election_id, 3))
    ok(shuffle_cli(live, election_id, 1))
    for trustee in (2, 3):
        ok(tally_cli(live, election_id, trustee))
    assert admin.get(f"/api/elections/{election_id}")["state"] == "tallied"

    entries = admin.get(f"/api/elections/{election_id}/board")["entries"]
    kinds = [e["kind"] for e in entries]
    assert kinds.count("mix.shuffled") == 2 and kinds.count("mix.partial") == 2
    shufflers = next(e for e in entries if e["kind"] == "mix.completed")["payload"]
    assert shufflers == {"shufflers": [3, 1]}
    result = next(e for e in entries if e["kind"] == "tally.result")["payload"]["result"]
    north, south = result["questions"]
    assert north["ballots"] == south["ballots"] == 4
    assert north["outcome"]["result"] == "elected:q2-o1,q2-o2,q2-o3"
    assert south["outcome"]["result"] == "elected:q3-o1,q3-o2,q3-o3"
    races = next(e for e in entries if e["kind"] == "mix.result")["payload"]["races"]
    president = races["q1"]["count"]
    assert [r["action"] for r in president["rounds"]] == ["first_preferences", "exclusion"]
    assert president["rounds"][0]["counts"] == {"q1-o1": 3, "q1-o2": 3, "q1-o3": 2}
    assert president["elected"] == ["q1-o2"]
    delegates = races["q4"]["count"]
    assert set(delegates["elected"]) == {"q4-o1", "q4-o2", "q4-o3"}
    assert sorted(map(str, races["q1"]["ballots"])) == sorted(
        str([f"q1-o{i + 1}" for i in v[0]] + [None] * (3 - len(v[0]))) for v in VOTES.values()
    )

    # The public result page shows every round, in the reader's language.
    for lang, words in (("en", "Ben Okafor"), ("ko", "벤 오카포")):
        page = httpx.get(f"{live.base}/board/{election_id}/result?lang={lang}", timeout=60)
        assert page.status_code == 200, page.text
        assert words in page.text and "rounds" in page.text
    return election_id


def check_record(live: LiveServer, election_id: str, tmp_path: Path) -> None:
    r = httpx.get(f"{live.base}/api/elections/{election_id}/record.zip", timeout=60)
    assert r.status_code == 200, r.text
    record = tmp_path / "record.zip"
    record.write_bytes(r.content)
    checked = verify(record)
    assert checked.exit_code == 0, checked.output
    assert "PASS" in checked.output and "exclusion" in checked.output
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        assert any(name.endswith("board.jsonl") for name in z.namelist())

    def first_ballot(payload: dict[str, Any]) -> None:
        race = payload["races"]["q1"]
        race["ballots"][0] = list(reversed(race["ballots"][0]))

    def shuffled(payload: dict[str, Any]) -> None:
        item = payload["races"]["q1"]["output"][0]
        item[0], item[1] = item[1], item[0]

    def count(payload: dict[str, Any]) -> None:
        payload["races"]["q1"]["count"]["elected"] = ["q1-o1"]

    for kind, edit in (("mix.result", first_ballot), ("mix.shuffled", shuffled)):
        bad = verify(changed(record, tmp_path, kind, edit))
        assert bad.exit_code != 0 and "FAIL" in bad.output, bad.output
    bad = verify(changed(record, tmp_path, "mix.result", count))
    assert bad.exit_code != 0, bad.output
