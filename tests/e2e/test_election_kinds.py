"""One whole election per kind, end to end, the way a union runs it.

Committee over HTTP (define, roll, seat trustees), the trustees' own tool over the
network for the key ceremony, invitations through the real mail worker to an SMTP
server, members cast real encrypted ballots through ``/api/cast`` with the token from
their email, the committee closes and takes the tally, two of the three trustees
decrypt with ``ballot trustee tally``, and the downloaded election record passes
``ballot verify``.  Every kind runs on SQLite, one on PostgreSQL too.
"""

from __future__ import annotations

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
from tests.support.committee import Committee as Admin
from tests.support.inbox import Inbox
from tests.support.live import LiveServer as Live
from tests.support.live import start_server as start
from tests.support.trustees import ceremony_cli, ceremony_election, finish, tally_cli

MEMBERS = ("ana", "ben", "chen", "dolores", "ed", "fay", "gus")
ROLL = "member_id,name,email,language,unit,challenged\n" + "".join(
    f"M{i:03},{m.title()} Member,{m}@example.org,en,Unit {i % 2},\n"
    for i, m in enumerate(MEMBERS, start=1)
)


def _yes_no(kind: str, title: str, question: str, **rule: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "title": {"en": title},
        "instructions": {"en": "Choose one."},
        "opens_at": "2026-05-02T09:00:00Z",
        "closes_at": "2099-05-09T17:00:00Z",  # the mail worker also runs the schedule
        "rule": "majority",
        **rule,
        "trustees": {"n": 3, "k": 2},
        "questions": [
            {
                "text": {"en": question},
                "min": 1,
                "max": 1,
                "options": [{"en": "Yes"}, {"en": "No"}],
            }
        ],
    }


OFFICER = {
    "kind": "officer",
    "title": {"en": "Election of the chief steward"},
    "instructions": {"en": "Choose one candidate."},
    "opens_at": "2026-05-02T09:00:00Z",
    "closes_at": "2099-05-09T17:00:00Z",  # the mail worker also runs the schedule
    "rule": "majority",
    "trustees": {"n": 3, "k": 2},
    "questions": [
        {
            "text": {"en": "Chief steward"},
            "min": 1,
            "max": 1,
            "options": [{"en": "Rosa Parks"}, {"en": "Joe Hill"}, {"en": "Mother Jones"}],
        }
    ],
}


def _two_questions() -> dict[str, Any]:
    """A ratification asking two yes/no questions: each approves its own "Yes"."""
    definition = _yes_no(
        "ratification", "Contract and dues", "Do you ratify the agreement?", rule="supermajority"
    )
    definition["supermajority"] = "2/3"
    second = dict(definition["questions"][0], text={"en": "Do you approve the new dues?"})
    definition["questions"] = [definition["questions"][0], second]
    return definition


# kind -> (definition, each member's choice (an option index, or one per question),
# expected outcome of each question)
CASES: dict[str, tuple[dict[str, Any], list[Any], str | tuple[str, ...]]] = {
    "recognition": (
        _yes_no("recognition", "Union recognition", "Do you want the union to represent you?"),
        [0, 0, 0, 0, 1, 1, 0],
        "approved",
    ),
    "ratification": (
        _yes_no("ratification", "Contract ratification", "Do you ratify the agreement?"),
        [1, 1, 1, 0, 0, 1, 0],
        "rejected",
    ),
    "strike_authorisation": (
        _yes_no(
            "strike_authorisation",
            "Strike authorisation",
            "Do you authorise a strike?",
            rule="supermajority",
            supermajority="2/3",
        ),
        [0, 0, 0, 0, 0, 1, 1],  # 5 of 7 = 71% > 2/3
        "approved",
    ),
    "officer": (OFFICER, [0, 0, 0, 0, 1, 2, 1], "elected:"),
    # Two questions under one rule (a 500 on the last trustee's decryption until each
    # question named its own approving option): 5 of 7 ratify, 3 of 7 approve the dues.
    "ratification_two_questions": (
        _two_questions(),
        [(0, 0), (0, 1), (0, 0), (0, 1), (0, 0), (1, 1), (1, 1)],
        ("approved", "rejected"),
    ),
}


@pytest.fixture
def sink() -> Iterator[Inbox]:
    s = Inbox().start()
    try:
        yield s
    finally:
        s.stop()


def _deliver(live: Live) -> int:
    return live.deliver()


def _tokens_from_inbox(live: Live, sink: Inbox) -> dict[str, str]:
    return sink.tokens(base=live.base)


#: Every kind on SQLite; the kinds differ in rules, not in storage, so PostgreSQL runs one.
RUNS = [(kind, "sqlite") for kind in sorted(CASES)] + [
    pytest.param("recognition", "postgresql", marks=pytest.mark.postgres)
]


@pytest.mark.parametrize(("kind", "migrated_db_url"), RUNS, indirect=["migrated_db_url"])
def test_an_election_of_each_kind_runs_end_to_end_and_its_record_verifies(
    kind: str, migrated_db_url: str, tmp_path: Path, sink: Inbox
) -> None:
    definition, choices, expected = CASES[kind]
    live = start(migrated_db_url, tmp_path, smtp_port=sink.port, mail_rate=1000.0)
    admin = Admin(live.base)
    try:
        election_id = ceremony_election(admin, definition, roll=ROLL)
        keyed = [finish(p) for p in [ceremony_cli(live, election_id, t) for t in (1, 2, 3)]]
        assert all(rc == 0 for rc, _, _ in keyed), keyed
        for target in ("ready", "open"):
            admin.post(f"/api/elections/{election_id}/state", json={"target": target})
        assert _deliver(live) == len(MEMBERS)
        tokens = _tokens_from_inbox(live, sink)
        assert set(tokens) == {f"{m}@example.org" for m in MEMBERS}

        info = admin.get(f"/api/elections/{election_id}/ceremony/remote")
        manifest_json = admin.get(f"/api/elections/{election_id}/ceremony")["manifest"]
        manifest = ElectionManifest.from_definition(manifest_json)
        transcript = info["transcript"]
        key = Element.from_hex(transcript["joint_public_key"])
        vkeys = [Element.from_hex(transcript["verification_keys"][str(i)]) for i in (1, 2, 3)]
        fingerprint = election_fingerprint(bytes.fromhex(info["manifest_hash"]), key, vkeys)
        trackers = []
        with httpx.Client(base_url=live.base, timeout=60) as voter:
            for member, choice in zip(MEMBERS, choices, strict=True):
                marks = [[c] for c in choice] if isinstance(choice, tuple) else [[choice]]
                ballot = encrypt_ballot(manifest, key, fingerprint, marks)[0].to_json()
                token = tokens[f"{member}@example.org"]
                r = voter.post("/api/cast", json={"token": token, "ballot": ballot})
                assert r.status_code == 201, r.text
                trackers.append(r.json()["tracker"])
                replay = voter.post("/api/cast", json={"token": token, "ballot": ballot})
                assert replay.status_code >= 400  # one ballot per link

        admin.post(f"/api/elections/{election_id}/state", json={"target": "closed"})
        admin.post(f"/api/elections/{election_id}/tally")
        for trustee in (1, 3):
            rc, out, err = finish(tally_cli(live, election_id, trustee))
            assert rc == 0, out + err
        entries = admin.get(f"/api/elections/{election_id}/board")["entries"]
        result = next(e for e in entries if e["kind"] == "tally.result")["payload"]["result"]
        assert result["cast"] == len(MEMBERS) and not result["determinative"]
        outcomes = expected if isinstance(expected, tuple) else (expected,)
        for number, want in enumerate(outcomes):
            question = result["questions"][number]
            options = [o["id"] for o in manifest_json["questions"][number]["options"]]
            picked = [c[number] if isinstance(c, tuple) else c for c in choices]
            expected_counts = {o: picked.count(i) for i, o in enumerate(options)}
            assert question["counts"] == expected_counts, question
            outcome = question["outcome"]["result"]
            assert outcome == (f"elected:{options[0]}" if want == "elected:" else want), question

        r = httpx.get(f"{live.base}/api/elections/{election_id}/record.zip", timeout=60)
        assert r.status_code == 200, r.text
        record = tmp_path / "record.zip"
        record.write_bytes(r.content)
        checked = CliRunner().invoke(
            cli_app,
            ["verify", str(record), "--tracker", trackers[0], "--jobs", "1"],
            env={"COLUMNS": "200"},
        )
        assert checked.exit_code == 0, checked.output
    finally:
        admin.close()
        live.stop()
