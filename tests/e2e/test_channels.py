"""One vote across channels, end to end: online, at the polling place and on paper.

A real server (SQLite and PostgreSQL).  Members vote online with the token from their
invitation; one votes at the polling-place device (the committee checks them in through
the check-in page, which answers with the ballot page; the test takes the credential
from that page's data block, as the device's script does, and casts with it); two
return paper envelopes.  One of them then tries online (refused; the token is not used),
and a member who already voted online sends an envelope too (set aside unopened).  After
the close, the tally is refused while envelopes wait for their hand count; two committee
members enter it (the same member twice is refused; two entries that differ post
nothing); the trustee decrypts; the result adds online and paper, and ``ballot verify``
passes and prints the channels.  Records tampered by a server holding the board key fail,
naming the cause.  The device in a real browser is ``test_polling_place_browser.py``.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from ballot.cli import app as cli_app
from ballot.crypto.ballots import encrypt_ballot
from ballot.crypto.ceremony import TrusteeShare
from ballot.crypto.elgamal import Ciphertext
from ballot.crypto.group import Element
from ballot.crypto.keyfile import open_key
from ballot.crypto.manifest import ElectionManifest
from ballot.crypto.threshold import partial_decrypt_tally
from ballot.record.election_record import read_record
from ballot.record.synthetic import rebuild_record
from ballot.store import tokens as token_store
from ballot.store.serverkey import load_or_create
from tests.support.accounts import PASSWORD
from tests.support.committee import Committee
from tests.support.elections import DEFINITION
from tests.support.live import start_server

TRUSTEE = "trustee-c@example.org"
TRUSTEE_PHRASE = "the channel trustee's phrase"
SECOND = "second-admin@example.org"
ROLL = """member_id,name,email,language,unit,challenged
M001,Ana Lopez,ana@example.org,es,North,
M002,Ben Carter,ben@example.org,en,North,
M003,Kim Min-jun,kim@example.org,ko,South,
M004,Dolores Ruiz,dolores@example.org,es,South,
M005,Fay Green,fay@example.org,en,East,
M006,Gus Hill,gus@example.org,en,East,
M007,Hana Kim,hana@example.org,ko,East,
"""
YES, NO = 0, 1
DATA = re.compile(r'<script type="application/json" id="election-data">(.*?)</script>', re.S)
Entry = dict[str, Any]


@pytest.fixture
def issued(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """email -> clear voting token, seen in this process as the live server issues them."""
    seen: dict[str, str] = {}
    real = token_store.issue_tokens

    async def issue(*a: Any, **k: Any) -> Any:
        out = await real(*a, **k)
        seen.update({t.email: t.token for t in out})
        return out

    monkeypatch.setattr(token_store, "issue_tokens", issue)
    return seen


class Election:
    """The open election as a voter's device sees it: its manifest and keys."""

    def __init__(self, admin: Committee, election_id: str) -> None:
        self.id = election_id
        self.manifest = ElectionManifest.from_definition(
            admin.get(f"/api/elections/{election_id}/ceremony")["manifest"]
        )
        public = admin.get(f"/api/elections/{election_id}/public")
        self.key = Element.from_hex(public["joint_public_key"])
        self.fingerprint = bytes.fromhex(public["fingerprint"])

    def ballot(self, choice: int) -> dict[str, Any]:
        return encrypt_ballot(self.manifest, self.key, self.fingerprint, [[choice]])[0].to_json()


def open_channel_election(admin: Committee) -> tuple[str, bytes]:
    """Define (one trustee), import the roll, hold the local ceremony, open."""
    for email, role in ((TRUSTEE, "trustee"), (SECOND, "admin")):
        admin.post(
            "/api/accounts",
            expect=(201, 400),
            json={"email": email, "name": email.split("@")[0], "role": role, "password": PASSWORD},
        )
    spec = dict(
        DEFINITION,
        trustees={"n": 1, "k": 1},
        objection_days=0,
        closes_at="2099-05-09T17:00:00Z",
    )
    election_id = str(admin.post("/api/elections", json=spec)["id"])
    admin.post(f"/api/elections/{election_id}/roll", content=ROLL.encode())
    admin.post(f"/api/elections/{election_id}/trustees", json={"email": TRUSTEE, "position": 1})
    admin.post(f"/api/elections/{election_id}/state", json={"target": "key_ceremony"})
    (sealed,) = admin.post(
        f"/api/elections/{election_id}/ceremony/local", json={"passphrases": [TRUSTEE_PHRASE]}
    )["trustee_keys"]
    for target in ("ready", "open"):
        admin.post(f"/api/elections/{election_id}/state", json={"target": target})
    return election_id, base64.b64decode(sealed)


def decrypt(base: str, election_id: str, sealed: bytes) -> None:
    """The trustee's partial decryption of the pending tally."""
    share = TrusteeShare.from_bytes(open_key(sealed, TRUSTEE_PHRASE))
    trustee = Committee(base, TRUSTEE)
    try:
        pending = trustee.get(f"/api/elections/{election_id}/tally")
        slots = [ct for q in pending["tally"]["questions"] for ct in q["slots"]]
        labelled = {
            label: Ciphertext.from_json(ct, allow_identity=True)
            for label, ct in zip(pending["labels"], slots, strict=True)
        }
        fp = bytes.fromhex(trustee.get(f"/api/elections/{election_id}/public")["fingerprint"])
        partials = partial_decrypt_tally(1, share.secret_share, labelled, fp)
        trustee.post(
            f"/api/elections/{election_id}/tally/partials",
            json={"round": pending["round"], "partials": [p.to_json() for p in partials]},
        )
    finally:
        trustee.close()


def form_post(admin: Committee, path: str, **fields: str) -> httpx.Response:
    """A committee page's form, sent as the browser sends it (with the CSRF header)."""
    return admin.http.post(
        path, data=fields, headers={"x-csrftoken": admin.http.cookies["csrftoken"]}
    )


def check_in(admin: Committee, election_id: str, member_id: str) -> httpx.Response:
    return form_post(
        admin, f"/committee/elections/{election_id}/polling-place/check-in", member_id=member_id
    )


def device_credential(page: str) -> str:
    """What the device's script takes from the ballot page: the check-in's credential."""
    (block,) = DATA.findall(page)
    data = json.loads(html.unescape(block) if "&quot;" in block else block)
    assert data["device"]["return_url"].endswith("/polling-place")
    return str(data["device"]["token"])


def board(admin: Committee, election_id: str) -> list[Entry]:
    return list(admin.get(f"/api/elections/{election_id}/board")["entries"])


def kinds(entries: list[Entry], kind: str) -> list[Entry]:
    return [e for e in entries if e["kind"] == kind]


#: The question's and options' ids (the service's, e.g. ``q1`` and ``q1-o1``).
Q, OPT_YES, OPT_NO = "q1", "q1-o1", "q1-o2"


def hand_count(yes: int, no: int, blank: int = 0) -> dict[str, Any]:
    return {"questions": [{"id": Q, "counts": {OPT_YES: yes, OPT_NO: no}, "blank": blank}]}


def verify(record: Path) -> Any:
    return CliRunner().invoke(
        cli_app, ["verify", str(record), "--jobs", "1"], env={"COLUMNS": "200"}
    )


@pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_online_in_person_and_paper_count_once_each_and_the_record_verifies(
    db_url: str, tmp_path: Path, issued: dict[str, str]
) -> None:
    live = start_server(db_url, tmp_path)
    admin = Committee(live.base)
    second: Committee | None = None
    try:
        election_id, sealed = open_channel_election(admin)
        second = Committee(live.base, SECOND)  # the other committee member at the count
        election = Election(admin, election_id)
        voter = httpx.Client(base_url=live.base, timeout=60)

        def cast(token: str, choice: int) -> httpx.Response:
            return voter.post("/api/cast", json={"token": token, "ballot": election.ballot(choice)})

        # Online.
        for email, choice in (("ana", YES), ("ben", NO), ("gus", YES)):
            assert cast(issued[f"{email}@example.org"], choice).status_code == 201

        # In person: check-in, the device's ballot page, cast with its credential.
        page = check_in(admin, election_id, "M003")
        assert page.status_code == 200, page.text
        assert page.headers["cache-control"] == "no-store"
        assert 'lang="ko"' in page.text and "노동조합을 원하십니까?" in page.text
        credential = device_credential(page.text)
        assert credential != issued["kim@example.org"]
        assert cast(issued["kim@example.org"], YES).status_code >= 400  # the mailed link died
        assert cast(credential, YES).status_code == 201
        again = check_in(admin, election_id, "M003")  # voted: cannot be checked in again
        assert again.status_code == 409 and 'id="desk-error"' in again.text
        assert check_in(admin, election_id, "M001").status_code == 409  # voted online
        roll = admin.get(f"/api/elections/{election_id}/roll?q=Kim")
        assert {r["member_id"]: r["voted_by"] for r in roll}["M003"] == "in_person"
        log = admin.get("/api/audit")
        checkins = [a for a in log if a["action"] == "polling_check_in"]
        assert len(checkins) == 1, checkins
        said = json.dumps(checkins[0])
        assert "M003" in said and "admin@example.org" in said and checkins[0]["at"]
        assert OPT_YES not in said and credential not in said  # never the choice or credential

        # Paper: two envelopes counted later, one from a member who voted online.
        envelopes = f"/api/elections/{election_id}/envelopes"
        for member in ("M004", "M005"):
            assert admin.post(envelopes, json={"member_id": member})["status"] == "received"
        refused = cast(issued["dolores@example.org"], YES)  # online after her envelope
        assert refused.status_code == 410 and refused.json()["code"] == "link_revoked"
        assert admin.post(envelopes, json={"member_id": "M006"})["status"] == "set_aside"
        assert check_in(admin, election_id, "M004").status_code == 409  # voted on paper
        entries = board(admin, election_id)
        assert not [
            e
            for e in kinds(entries, "ballot.cast")
            if e["payload"]["alias"]
            in {p["payload"]["alias"] for p in kinds(entries, "paper.received")}
        ]
        assert len(kinds(entries, "paper.received")) == 2
        assert len(kinds(entries, "paper.set_aside")) == 1
        roll = admin.get(f"/api/elections/{election_id}/roll?q=Dolores")
        assert roll[0]["voted_by"] == "paper"
        assert roll[0]["link"] == "revoked"  # the refused try used nothing: still withdrawn

        # The close, then the hand count before the tally.
        admin.post(f"/api/elections/{election_id}/state", json={"target": "closed"})
        early = admin.post(f"/api/elections/{election_id}/tally", expect=(409,))
        assert "are not counted yet: enter the hand count" in early["error"], early
        counts = f"/api/elections/{election_id}/hand-counts"
        bad = admin.post(counts, expect=(400,), json=hand_count(2, 1))  # 3 votes, 2 envelopes
        assert "the hand count does not add up" in bad["error"], bad
        assert admin.post(counts, json=hand_count(1, 1))["status"] == "waiting"
        same = admin.post(counts, expect=(409,), json=hand_count(1, 1))
        assert "a second committee member must enter it" in same["error"], same
        before = len(board(admin, election_id))
        differs = second.post(counts, expect=(409,), json=hand_count(2, 0))
        assert differs["status"] == "differs"
        assert differs["differences"] == [
            f"{Q}/{OPT_YES}: 1 then 2",
            f"{Q}/{OPT_NO}: 1 then 0",
        ]
        assert len(board(admin, election_id)) == before  # nothing posted
        assert admin.post(counts, json=hand_count(1, 1))["status"] == "waiting"
        assert second.post(counts, json=hand_count(1, 1))["status"] == "posted"
        (posted,) = kinds(board(admin, election_id), "paper.count")
        received = sorted(e["payload"]["alias"] for e in kinds(entries, "paper.received"))
        assert posted["payload"] == {"aliases": received, "ballots": 2, **hand_count(1, 1)}

        admin.post(f"/api/elections/{election_id}/tally")
        decrypt(live.base, election_id, sealed)
        (result_entry,) = kinds(board(admin, election_id), "tally.result")
        result = result_entry["payload"]["result"]
        (q,) = result["questions"]
        assert q["online"]["counts"] == {OPT_YES: 3, OPT_NO: 1}
        assert q["paper"]["counts"] == {OPT_YES: 1, OPT_NO: 1}
        assert q["counts"] == {OPT_YES: 4, OPT_NO: 2} and q["valid"] == 6
        assert result["paper"] == 2 and result["counted"] == 6 and result["cast"] == 4
        assert q["outcome"]["result"] == "approved"

        r = httpx.get(f"{live.base}/api/elections/{election_id}/record.zip", timeout=60)
        record = tmp_path / "record.zip"
        record.write_bytes(r.content)
        checked = verify(record)
        assert checked.exit_code == 0, checked.output
        assert "channels: online 4 (in person at a polling place included" in checked.output
        assert "paper 2 (1 envelope(s) set aside unopened); counted 6" in checked.output
        assert f"paper: Yes ({OPT_YES}) 1, No ({OPT_NO}) 1" in checked.output

        # Pages: the public result and the committee's show the channels.
        public = httpx.get(f"{live.base}/board/{election_id}/result", timeout=60).text
        assert "Votes by channel" in public and "Paper ballots counted by hand" in public

        tampered = Tamper(record, tmp_path, load_or_create(live.settings.secret_key_file).board_key)
        online_alias = next(
            e["payload"]["alias"]
            for e in kinds(entries, "ballot.cast")
            if e["payload"]["alias"]
            not in {s["payload"]["alias"] for s in kinds(entries, "paper.set_aside")}
        )
        aside = kinds(entries, "paper.set_aside")[0]["payload"]["alias"]
        fails = tampered.fails("both", lambda es: _count_also(es, online_alias))
        assert f"alias {online_alias} is counted online" in fails
        assert "counts once, whatever the channel" in fails
        fails = tampered.fails("aside", lambda es: _count_also(es, aside))
        assert f"alias {aside}'s envelope was set aside unopened" in fails
        fails = tampered.fails("sum", lambda es: _edit_count(es, {OPT_YES: 2, OPT_NO: 1}))
        assert "the hand count does not add up" in fails and "2 envelopes were counted" in fails
        fails = tampered.fails("result", _edit_result_total)
        assert f"sum of the online (3) and paper (1) counts for '{OPT_YES}'" in fails
    finally:
        admin.close()
        if second is not None:
            second.close()
        live.stop()


class Tamper:
    """Records a dishonest server holding the board key could publish: edit, re-sign."""

    def __init__(self, record: Path, folder: Path, key: Any) -> None:
        self.record, self.folder, self.key = record, folder, key

    def fails(self, name: str, edit: Callable[[list[Entry]], list[Entry]]) -> str:
        entries = [json.loads(line) for line in read_record(self.record).board_lines()]
        target = self.folder / f"tampered-{name}.zip"
        rebuild_record(
            self.record,
            target,
            self.key,
            [(e["kind"], e["at"], e["payload"]) for e in edit(entries)],
        )
        out = verify(target)
        assert out.exit_code == 1, out.output
        return " ".join(str(out.output).split())


def _count_also(entries: list[Entry], alias: str) -> list[Entry]:
    """A paper count that lists one more alias (and one more ballot, so it adds up)."""
    for e in entries:
        if e["kind"] == "paper.count":
            p = e["payload"]
            p["aliases"] = sorted([*p["aliases"], alias])
            p["ballots"] += 1
            p["questions"][0]["counts"][OPT_YES] += 1
    return entries


def _edit_count(entries: list[Entry], counts: dict[str, int]) -> list[Entry]:
    for e in entries:
        if e["kind"] == "paper.count":
            e["payload"]["questions"][0]["counts"] = counts
    return entries


def _edit_result_total(entries: list[Entry]) -> list[Entry]:
    for e in entries:
        if e["kind"] == "tally.result":
            e["payload"]["result"]["questions"][0]["counts"][OPT_YES] += 1
            e["payload"]["result"]["questions"][0]["valid"] += 1
    return entries
