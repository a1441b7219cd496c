"""``ballot trustee tally`` against a live server: 2 of 3 trustees decrypt; a forged tally is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ballot.crypto.ballots import encrypt_ballot
from ballot.crypto.elgamal import Ciphertext
from ballot.crypto.group import Element
from ballot.crypto.manifest import ElectionManifest, election_fingerprint
from ballot.crypto.tally import EncryptedTally
from ballot.store import count as tally_store
from tests.support.asgi import ROLL, definition
from tests.support.committee import Committee as Admin
from tests.support.live import LiveServer as Live
from tests.support.live import start_server as start
from tests.support.trustees import ceremony_cli, ceremony_election, finish, tally_cli

FIRST_VOTES = {
    "ana@example.org": 0,
    "ben@example.org": 0,
    "chen@example.org": 1,
    "dolores@example.org": 0,
    "ed@example.org": 1,  # challenged voter: set aside, not counted in round 1
}


def keyed_and_voted(
    live: Live, admin: Admin, issued: dict[str, str], votes: dict[str, int] = FIRST_VOTES
) -> str:
    """A 2-of-3 election keyed by the trustees' CLI, opened, 4 ballots cast + 1 challenged, closed."""
    election_id = ceremony_election(admin, definition(trustees={"n": 3, "k": 2}), roll=ROLL)
    results = [finish(p) for p in [ceremony_cli(live, election_id, t) for t in (1, 2, 3)]]
    assert all(rc == 0 for rc, _, _ in results), results
    for target in ("ready", "open"):
        admin.post(f"/api/elections/{election_id}/state", json={"target": target})
    info = admin.get(f"/api/elections/{election_id}/ceremony/remote")
    manifest_json = admin.get(f"/api/elections/{election_id}/ceremony")["manifest"]
    manifest = ElectionManifest.from_definition(manifest_json)
    transcript = info["transcript"]
    key = Element.from_hex(transcript["joint_public_key"])
    vkeys = [Element.from_hex(transcript["verification_keys"][str(i)]) for i in (1, 2, 3)]
    fp = election_fingerprint(bytes.fromhex(info["manifest_hash"]), key, vkeys)
    for email, choice in votes.items():
        ballot = encrypt_ballot(manifest, key, fp, [[choice]])[0].to_json()
        r = admin.http.post("/api/cast", json={"token": issued[email], "ballot": ballot})
        assert r.status_code == 201, r.text
    admin.post(f"/api/elections/{election_id}/state", json={"target": "closed"})
    return election_id


#: The tool talks HTTP; the server's storage is tested on both engines in-process, so
#: running these subprocess tests on PostgreSQL too would add time and no coverage.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_two_of_three_trustees_decrypt_and_the_result_appears(
    db_url: str, tmp_path: Path, issued: dict[str, str]
) -> None:
    live = start(db_url, tmp_path)
    admin = Admin(live.base)
    try:
        election_id = keyed_and_voted(live, admin, issued)
        early = finish(tally_cli(live, election_id, 1))
        assert early[0] == 1 and "no tally is waiting" in early[2], early
        admin.post(f"/api/elections/{election_id}/tally")
        first = finish(tally_cli(live, election_id, 1))
        assert first[0] == 0, first
        assert "recomputed the tally from the board's 4 counted ballots" in first[1]
        again = finish(tally_cli(live, election_id, 1))
        assert again[0] == 0 and "already" in again[1], again
        second = finish(tally_cli(live, election_id, 3))
        assert second[0] == 0, second
        assert "result is published" in second[1]
        entries = admin.get(f"/api/elections/{election_id}/board")["entries"]
        kinds = [e["kind"] for e in entries]
        assert kinds.count("tally.partial") == 2 and "tally.result" in kinds
        result = next(e for e in entries if e["kind"] == "tally.result")["payload"]["result"]
        assert sorted(result["questions"][0]["counts"].values()) == [1, 3], result
        assert (result["cast"], result["challenged"], result["counted"]) == (4, 1, 4)
    finally:
        admin.close()
        live.stop()


#: The tool talks HTTP; the server's storage is tested on both engines in-process, so
#: running these subprocess tests on PostgreSQL too would add time and no coverage.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_tally_that_is_not_the_sum_of_the_board_is_refused(
    db_url: str, tmp_path: Path, issued: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    live = start(db_url, tmp_path)
    admin = Admin(live.base)
    try:
        election_id = keyed_and_voted(live, admin, issued)
        real = tally_store.encrypted_tally

        async def stuffed(*a: Any, **k: Any) -> Any:
            honest, cast = await real(*a, **k)
            ct = honest.questions[0][0]
            one = Element.from_hex("58" + "66" * 31)  # the base point: one more "vote"
            forged = Ciphertext(ct.alpha + one, ct.beta + one)
            questions = ((forged, *honest.questions[0][1:]), *honest.questions[1:])
            return EncryptedTally(honest.ballots, questions), cast

        monkeypatch.setattr(tally_store, "encrypted_tally", stuffed)
        admin.post(f"/api/elections/{election_id}/tally")
        rc, out, err = finish(tally_cli(live, election_id, 2))
        assert rc == 2, out + err
        assert "NOT decrypting" in err and "homomorphic sum" in err, err
        assert admin.get(f"/api/elections/{election_id}/tally")["submitted"] == []
    finally:
        admin.close()
        live.stop()


#: The tool talks HTTP; the server's storage is tested on both engines in-process, so
#: running these subprocess tests on PostgreSQL too would add time and no coverage.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_second_round_after_determinative_challenges_is_decrypted_too(
    db_url: str, tmp_path: Path, issued: dict[str, str]
) -> None:
    live = start(db_url, tmp_path)
    admin = Admin(live.base)
    try:
        votes = {
            "ana@example.org": 0,
            "ben@example.org": 1,
            "chen@example.org": 0,
            "dolores@example.org": 1,
            "ed@example.org": 0,  # challenged: 2-2 without it, so it is determinative
        }
        election_id = keyed_and_voted(live, admin, issued, votes)
        admin.post(f"/api/elections/{election_id}/tally")
        for trustee in (1, 2):
            rc, out, err = finish(tally_cli(live, election_id, trustee))
            assert rc == 0, out + err
        pool = admin.get(f"/api/elections/{election_id}/challenges")
        assert pool["determinative"] is True
        (challenge,) = pool["challenges"]
        admin.post(
            f"/api/elections/{election_id}/challenges/{challenge['id']}",
            json={"decision": "overruled", "reason": "on the roll after all"},
        )
        taken = admin.post(f"/api/elections/{election_id}/tally")
        assert taken["round"] == 2
        for trustee in (2, 3):
            rc, out, err = finish(tally_cli(live, election_id, trustee))
            assert rc == 0, out + err
            assert "round 2" in out and "5 counted ballots" in out, out
        entries = admin.get(f"/api/elections/{election_id}/board")["entries"]
        results = [e["payload"] for e in entries if e["kind"] == "tally.result"]
        assert [r["round"] for r in results] == [1, 2]
        final = results[1]["result"]
        assert final["overruled"] == 1 and final["counted"] == 5 and final["undecided"] == 0
        assert sorted(final["questions"][0]["counts"].values()) == [2, 3]
        assert final["questions"][0]["outcome"]["result"] == "approved"
    finally:
        admin.close()
        live.stop()
