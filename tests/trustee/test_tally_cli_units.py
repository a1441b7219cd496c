"""``ballot trustee tally`` against a live server for an election with unit subtotals:
the tool checks and decrypts every pooled subtotal, and the result lists them."""

from __future__ import annotations

from pathlib import Path

import pytest

from ballot.crypto.ballots import encrypt_ballot
from ballot.crypto.group import Element
from ballot.crypto.manifest import ElectionManifest, election_fingerprint
from tests.support.asgi import ROLL, definition
from tests.support.committee import Committee as Admin
from tests.support.live import start_server as start
from tests.support.trustees import ceremony_cli, ceremony_election, finish, tally_cli

#: North 2, South 2 (+ Ed, challenged), East 1: East is too small, so the other units'
#: pool takes North (smallest named unit, by label at equal size); pools South and ''.
VOTES = {
    "ana@example.org": 0,
    "ben@example.org": 0,
    "chen@example.org": 1,
    "dolores@example.org": 0,
    "fay@example.org": 1,
    "ed@example.org": 1,
}


#: The tool talks HTTP; the server's storage is tested on both engines in-process, so
#: running these subprocess tests on PostgreSQL too would add time and no coverage.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_trustees_decrypt_the_pooled_unit_subtotals(
    db_url: str,
    tmp_path: Path,
    issued: dict[str, str],
) -> None:
    live = start(db_url, tmp_path)
    admin = Admin(live.base)
    try:
        wanted = definition(trustees={"n": 3, "k": 2}, subtotals={"by": "unit", "min_size": 2})
        election_id = ceremony_election(admin, wanted, roll=ROLL)
        results = [finish(p) for p in [ceremony_cli(live, election_id, t) for t in (1, 2, 3)]]
        assert all(rc == 0 for rc, _, _ in results), results
        for target in ("ready", "open"):
            admin.post(f"/api/elections/{election_id}/state", json={"target": target})
        info = admin.get(f"/api/elections/{election_id}/ceremony/remote")
        manifest = ElectionManifest.from_definition(
            admin.get(f"/api/elections/{election_id}/ceremony")["manifest"]
        )
        transcript = info["transcript"]
        key = Element.from_hex(transcript["joint_public_key"])
        vkeys = [Element.from_hex(transcript["verification_keys"][str(i)]) for i in (1, 2, 3)]
        fp = election_fingerprint(bytes.fromhex(info["manifest_hash"]), key, vkeys)
        for email, choice in VOTES.items():
            ballot = encrypt_ballot(manifest, key, fp, [[choice]])[0].to_json()
            r = admin.http.post("/api/cast", json={"token": issued[email], "ballot": ballot})
            assert r.status_code == 201, r.text
        admin.post(f"/api/elections/{election_id}/state", json={"target": "closed"})
        admin.post(f"/api/elections/{election_id}/tally")
        for trustee in (1, 3):
            rc, out, err = finish(tally_cli(live, election_id, trustee))
            assert rc == 0, out + err
            assert "partial decryptions of 2 unit subtotal(s)" in out, out
        entries = admin.get(f"/api/elections/{election_id}/board")["entries"]
        result = next(e for e in entries if e["kind"] == "tally.result")["payload"]["result"]
        units = {u["unit"]: u for u in result["units"]}
        assert sorted(units) == ["", "South"]
        assert units["South"]["ballots"] == 2 and units[""]["ballots"] == 3
        assert sorted(units["South"]["questions"][0]["counts"].values()) == [1, 1]
    finally:
        admin.close()
        live.stop()
