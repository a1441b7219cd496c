"""Revoting on and off, each end to end, verified (issue 15; PROTOCOL 11.10).

As ``test_election_kinds``: the committee over HTTP, the trustees' own tool for the key
ceremony and the decryption, invitations through the mail worker, members casting real
encrypted ballots through ``/api/cast`` with the token from their email, and the
downloaded record through ``ballot verify``.  With revoting on, Ana votes Yes and then
No: her link still works, the result counts her No only, and the verifier passes and
reports her first tracker as replaced.  With revoting off her second cast is refused and
the record verifies as always.  (Records a dishonest server rewrote: tests/verify.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from ballot.cli import app as cli_app
from ballot.crypto.ballots import encrypt_ballot, tracker_display
from ballot.crypto.group import Element
from ballot.crypto.manifest import ElectionManifest, election_fingerprint
from tests.support.committee import Committee as Admin
from tests.support.inbox import Inbox
from tests.support.live import start_server as start
from tests.support.trustees import ceremony_cli, ceremony_election, finish, tally_cli

ROLL = "member_id,name,email,language,unit,challenged\n" + "".join(
    f"M{i:03},{m.title()} Member,{m}@example.org,en,,\n"
    for i, m in enumerate(("ana", "ben", "chen"), start=1)
)
YES, NO = 0, 1


def definition(revoting: bool) -> dict[str, Any]:
    return {
        "kind": "ratification",
        "title": {"en": "Contract ratification"},
        "opens_at": "2026-05-02T09:00:00Z",
        "closes_at": "2099-05-09T17:00:00Z",
        "rule": "majority",
        "revoting": revoting,
        "trustees": {"n": 2, "k": 2},
        "questions": [
            {
                "text": {"en": "Do you ratify the agreement?"},
                "min": 1,
                "max": 1,
                "options": [{"en": "Yes"}, {"en": "No"}],
            }
        ],
    }


@pytest.fixture
def sink() -> Iterator[Inbox]:
    s = Inbox().start()
    try:
        yield s
    finally:
        s.stop()


RUNS = [
    (True, "sqlite"),
    (False, "sqlite"),
    pytest.param(True, "postgresql", marks=pytest.mark.postgres),
    pytest.param(False, "postgresql", marks=pytest.mark.postgres),
]


def verify(record: Path, tracker: str) -> Any:
    return CliRunner().invoke(
        cli_app,
        ["verify", str(record), "--tracker", tracker, "--jobs", "1"],
        env={"COLUMNS": "250"},
    )


@pytest.mark.parametrize(("revoting", "migrated_db_url"), RUNS, indirect=["migrated_db_url"])
def test_revoting_end_to_end_and_verified(
    revoting: bool, migrated_db_url: str, tmp_path: Path, sink: Inbox
) -> None:
    live = start(migrated_db_url, tmp_path, smtp_port=sink.port, mail_rate=1000.0)
    admin = Admin(live.base)
    try:
        election_id = ceremony_election(admin, definition(revoting), roll=ROLL)
        keyed = [finish(p) for p in [ceremony_cli(live, election_id, t) for t in (1, 2)]]
        assert all(rc == 0 for rc, _, _ in keyed), keyed
        for target in ("ready", "open"):
            admin.post(f"/api/elections/{election_id}/state", json={"target": target})
        assert live.deliver() == 3
        tokens = sink.tokens(base=live.base)
        shown = admin.get(f"/api/elections/{election_id}")
        assert shown["revoting"] is revoting

        info = admin.get(f"/api/elections/{election_id}/ceremony/remote")
        manifest_json = admin.get(f"/api/elections/{election_id}/ceremony")["manifest"]
        assert manifest_json.get("revoting", False) is revoting  # bound by the manifest hash
        manifest = ElectionManifest.from_definition(manifest_json)
        transcript = info["transcript"]
        key = Element.from_hex(transcript["joint_public_key"])
        vkeys = [Element.from_hex(transcript["verification_keys"][str(i)]) for i in (1, 2)]
        fingerprint = election_fingerprint(bytes.fromhex(info["manifest_hash"]), key, vkeys)

        def ballot(choice: int) -> dict[str, Any]:
            return encrypt_ballot(manifest, key, fingerprint, [[choice]])[0].to_json()

        ana = tokens["ana@example.org"]
        with httpx.Client(base_url=live.base, timeout=60) as voter:
            first = voter.post("/api/cast", json={"token": ana, "ballot": ballot(YES)})
            assert first.status_code == 201, first.text
            second = voter.post("/api/cast", json={"token": ana, "ballot": ballot(NO)})
            if revoting:
                assert second.status_code == 201, second.text
                assert second.json()["alias"] == first.json()["alias"]
                page = voter.get(f"/v/{ana}?lang=en").text
                assert tracker_display(second.json()["tracker"]) in page
                assert "only your last ballot counts" in page
            else:
                assert second.status_code == 409 and second.json()["code"] == "link_used"
            ben = voter.post(
                "/api/cast", json={"token": tokens["ben@example.org"], "ballot": ballot(NO)}
            )
            assert ben.status_code == 201, ben.text

        admin.post(f"/api/elections/{election_id}/state", json={"target": "closed"})
        admin.post(f"/api/elections/{election_id}/tally")
        for trustee in (1, 2):
            rc, out, err = finish(tally_cli(live, election_id, trustee))
            assert rc == 0, out + err
        entries = admin.get(f"/api/elections/{election_id}/board")["entries"]
        closed = next(e for e in entries if e["kind"] == "election.closed")["payload"]
        result = next(e for e in entries if e["kind"] == "tally.result")["payload"]["result"]
        counts = result["questions"][0]["counts"]
        options = [o["id"] for o in manifest_json["questions"][0]["options"]]
        if revoting:
            assert closed == {"cast": 3, "challenged": 0, "counted": 2, "replaced": 1}
            assert (result["cast"], result["replaced"], result["counted"]) == (3, 1, 2)
            assert counts == {options[YES]: 0, options[NO]: 2}  # Ana's Yes is not counted
        else:
            assert closed == {"cast": 2, "challenged": 0}
            assert "replaced" not in result and result["counted"] == 2
            assert counts == {options[YES]: 1, options[NO]: 1}

        r = httpx.get(f"{live.base}/api/elections/{election_id}/record.zip", timeout=60)
        assert r.status_code == 200, r.text
        record = tmp_path / "record.zip"
        record.write_bytes(r.content)
        checked = verify(record, first.json()["tracker_short"])
        assert checked.exit_code == 0, checked.output
        assert "PASS" in checked.output
        if revoting:
            assert "replaced by a later ballot of the same member" in checked.output
            assert "replaced 1" in checked.output
            last = verify(record, second.json()["tracker"])
            assert last.exit_code == 0 and "included in the tally" in last.output
        else:
            assert "included in the tally" in checked.output
    finally:
        admin.close()
        live.stop()
