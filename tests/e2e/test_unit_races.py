"""Per-unit races end to end: stewards of two units and a president, verified (issue 15).

A real server (SQLite and PostgreSQL), the committee over HTTP, the trustee's own tool for
the key ceremony and the decryption, and the downloaded record through ``ballot verify``.
North's members vote for president and North's stewards, South's for president and
South's stewards, and members of other units (or none) for president only: each ballot
carries its member's races.  A North member's ballot made with South's layout is refused
and her link still works; an audit says its unit; no paper envelope is taken.  Each race
is counted over the ballots that carry it, the verifier agrees, and a record whose board
moves a ballot to another unit (re-signed with the board key) fails.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from ballot.cli import app as cli_app
from ballot.crypto.ballots import AuditedBallot, encrypt_ballot
from ballot.crypto.group import Element
from ballot.crypto.manifest import ElectionManifest, election_fingerprint
from ballot.record.election_record import read_record
from ballot.record.synthetic import rebuild_record
from ballot.store import tokens as token_store
from ballot.store.serverkey import load_or_create
from tests.support.committee import Committee as Admin
from tests.support.live import start_server as start
from tests.support.trustees import ceremony_cli, ceremony_election, finish, tally_cli

ROLL = """member_id,name,email,language,unit,challenged
M001,Ana Lopez,ana@example.org,en,North,
M002,Ben Carter,ben@example.org,en,North,
M003,Chen Wei,chen@example.org,en,South,
M004,Dolores Ruiz,dolores@example.org,en,South,
M005,Ed Park,ed@example.org,en,South,
M006,Fay Green,fay@example.org,en,East,
M007,Gus Hill,gus@example.org,en,,
"""


def _race(title: str, names: tuple[str, ...], seats: int, **keys: Any) -> dict[str, Any]:
    return {
        "text": {"en": title},
        "min": 1,
        "max": seats,
        "options": [{"en": name} for name in names],
        **keys,
    }


DEFINITION: dict[str, Any] = {
    "kind": "officer",
    "title": {"en": "Officer elections"},
    "opens_at": "2026-05-02T09:00:00Z",
    "closes_at": "2099-05-09T17:00:00Z",
    "rule": "majority",
    "trustees": {"n": 1, "k": 1},
    "questions": [
        _race("President", ("Alvarez", "Brooks", "Cho"), 1),
        _race("North stewards", ("Nadia", "Noor", "Nils"), 2, unit="North"),
        _race("South stewards", ("Sam", "Sara", "Soren"), 2, unit="South"),
    ],
}
#: Each member's choices, one list per race on their ballot (option indices).
VOTES: dict[str, tuple[str, list[list[int]]]] = {
    "ana": ("North", [[0], [0, 1]]),
    "ben": ("North", [[1], [0]]),
    "chen": ("South", [[0], [1]]),
    "dolores": ("South", [[0], [1, 2]]),
    "ed": ("South", [[2], [1, 2]]),
    "fay": ("East", [[1]]),
    "gus": ("", [[0]]),
}


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


def verify(record: Path) -> Any:
    return CliRunner().invoke(
        cli_app, ["verify", str(record), "--jobs", "1"], env={"COLUMNS": "250"}
    )


@pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_each_member_votes_in_their_units_races_and_the_record_verifies(
    db_url: str, tmp_path: Path, issued: dict[str, str]
) -> None:
    live = start(db_url, tmp_path)
    admin = Admin(live.base)
    try:
        election_id = ceremony_election(admin, DEFINITION, roll=ROLL)
        rc, out, err = finish(ceremony_cli(live, election_id, 1))
        assert rc == 0, out + err
        for target in ("ready", "open"):
            admin.post(f"/api/elections/{election_id}/state", json={"target": target})
        info = admin.get(f"/api/elections/{election_id}/ceremony/remote")
        definition = admin.get(f"/api/elections/{election_id}/ceremony")["manifest"]
        assert [q.get("unit") for q in definition["questions"]] == [None, "North", "South"]
        manifest = ElectionManifest.from_definition(definition)
        key = Element.from_hex(info["transcript"]["joint_public_key"])
        vkey = Element.from_hex(info["transcript"]["verification_keys"]["1"])
        fp = election_fingerprint(bytes.fromhex(info["manifest_hash"]), key, [vkey])

        def ballot(unit: str, choices: list[list[int]]) -> dict[str, Any]:
            return encrypt_ballot(manifest, key, fp, choices, unit=unit)[0].to_json()

        with httpx.Client(base_url=live.base, timeout=60) as voter:
            ana = issued["ana@example.org"]
            # South's layout from a North member: refused, and her link is not used.
            wrong = voter.post(
                "/api/cast", json={"token": ana, "ballot": ballot("South", [[0], [1]])}
            )
            assert wrong.status_code == 422 and wrong.json()["code"] == "ballot_invalid", wrong.text
            audit = AuditedBallot(*encrypt_ballot(manifest, key, fp, [[2], [2]], unit="North"))
            opened = voter.post(
                "/api/audited-ballots", json={"token": ana, "audit": audit.audit_json()}
            )
            assert opened.status_code == 201, opened.text
            for name, (unit, choices) in VOTES.items():
                token = issued[f"{name}@example.org"]
                cast = voter.post(
                    "/api/cast", json={"token": token, "ballot": ballot(unit, choices)}
                )
                assert cast.status_code == 201, (name, cast.text)
            checked = voter.post(
                f"/api/elections/{election_id}/audit-check", content=json.dumps(audit.audit_json())
            )
            assert checked.status_code == 200 and checked.json()["unit"] == "North", checked.text
            assert checked.json()["questions"] == ["q1", "q2"]

        # Such an election takes no paper ballots (the verifier would refuse their count).
        paper = admin.post(
            f"/api/elections/{election_id}/envelopes", expect=(409,), json={"member_id": "M007"}
        )
        assert "a ranked or per-unit race: it takes no paper ballots" in paper["error"], paper

        entries = admin.get(f"/api/elections/{election_id}/board")["entries"]
        casts = [e["payload"] for e in entries if e["kind"] == "ballot.cast"]
        assert sorted(p["unit"] for p in casts) == sorted(u for u, _ in VOTES.values())
        (audited,) = [e["payload"] for e in entries if e["kind"] == "ballot.audited"]
        assert audited["unit"] == "North"

        admin.post(f"/api/elections/{election_id}/state", json={"target": "closed"})
        admin.post(f"/api/elections/{election_id}/tally")
        rc, out, err = finish(tally_cli(live, election_id, 1))
        assert rc == 0, out + err
        entries = admin.get(f"/api/elections/{election_id}/board")["entries"]
        tally = next(e for e in entries if e["kind"] == "tally.encrypted")["payload"]["tally"]
        assert tally["ballots"] == 7
        assert [q.get("ballots") for q in tally["questions"]] == [None, 2, 3]
        result = next(e for e in entries if e["kind"] == "tally.result")["payload"]["result"]
        president, north, south = result["questions"]
        assert "ballots" not in president and (north["ballots"], south["ballots"]) == (2, 3)
        assert president["counts"] == {"q1-o1": 4, "q1-o2": 2, "q1-o3": 1}
        assert north["counts"] == {"q2-o1": 2, "q2-o2": 1, "q2-o3": 0}
        assert south["counts"] == {"q3-o1": 0, "q3-o2": 3, "q3-o3": 2}
        outcomes = [q["outcome"]["result"] for q in result["questions"]]
        assert outcomes == ["elected:q1-o1", "elected:q2-o1,q2-o2", "elected:q3-o2,q3-o3"]
        assert result["counted"] == 7 and result["determinative"] is False

        r = httpx.get(f"{live.base}/api/elections/{election_id}/record.zip", timeout=60)
        assert r.status_code == 200, r.text
        record = tmp_path / "record.zip"
        record.write_bytes(r.content)
        passed = verify(record)
        assert passed.exit_code == 0, passed.output
        assert "(2 ballots of its unit)" in passed.output and "PASS" in passed.output

        # A dishonest server moves Ana's ballot to South (and re-signs the board).
        board_key = load_or_create(live.settings.secret_key_file).board_key
        lines = [json.loads(line) for line in read_record(record).board_lines()]
        moved = next(
            e for e in lines if e["kind"] == "ballot.cast" and e["payload"]["unit"] == "North"
        )
        moved["payload"]["unit"] = "South"
        tampered = tmp_path / "moved.zip"
        rebuild_record(
            record, tampered, board_key, [(e["kind"], e["at"], e["payload"]) for e in lines]
        )
        failed = verify(tampered)
        assert failed.exit_code == 1, failed.output
        said = " ".join(failed.output.split())
        assert "FAIL (ballots)" in said and f"board entry {moved['seq']} (ballot.cast)" in said
        assert "question 2 ('q3')" in said
    finally:
        admin.close()
        live.stop()
