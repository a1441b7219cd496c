"""``ballot trustee shuffle`` and the mix half of ``ballot trustee tally`` against a live
server: two of three trustees shuffle the ranked ballots, two decrypt them, the ranked
results appear; a bad shuffle on the board stops the next trustee (PROTOCOL 18)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from ballot.crypto.keyfile import seal_key
from ballot.crypto.shuffle import shuffle_and_prove
from ballot.record.kinds import Kind
from ballot.record.mix import input_lists
from ballot.store.board import append_board, board_entries, to_entry
from ballot.store.db import make_engine, make_session_factory
from tests.mix.seed import AT, PRESIDENT, Seeded, seed_mixing
from tests.support.asgi import definition
from tests.support.committee import Committee as Admin
from tests.support.live import PASSPHRASE
from tests.support.live import LiveServer as Live
from tests.support.live import start_server as start
from tests.support.trustees import (
    ceremony_election,
    finish,
    key_path,
    shuffle_cli,
    tally_cli,
)


def seeded_election(live: Live, admin: Admin, db_url: str) -> tuple[str, Seeded]:
    """Three seated trustees (the support's accounts), the seed's board up to the final
    result, and each trustee's key file sealed under the live server's passphrase."""
    election_id = ceremony_election(admin, definition(trustees={"n": 3, "k": 2}))

    async def seed() -> Seeded:
        engine = make_engine(db_url)
        try:
            async with make_session_factory(engine)() as db:
                # Without the per-unit race until the tool checks each ballot with its
                # unit's layout (ballot.trustee.counted, branch races-tally).
                return await seed_mixing(db, election_id, units=False)
        finally:
            await engine.dispose()

    seeded = asyncio.run(seed())
    for position, blob in enumerate(seeded.blobs, start=1):
        key_path(live, election_id, position).write_bytes(seal_key(blob, PASSPHRASE))
    return election_id, seeded


def board_of(admin: Admin, election_id: str) -> list[dict[str, Any]]:
    return list(admin.get(f"/api/elections/{election_id}/board")["entries"])


#: The tool talks HTTP; the server's storage is tested on both engines in-process.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_two_trustees_shuffle_two_decrypt_and_the_ranked_results_appear(
    db_url: str, tmp_path: Path
) -> None:
    live = start(db_url, tmp_path)
    admin = Admin(live.base)
    try:
        election_id, _seeded = seeded_election(live, admin, db_url)
        early = finish(tally_cli(live, election_id, 1))
        assert early[0] == 1 and "ballot trustee shuffle" in early[2], early
        first = finish(shuffle_cli(live, election_id, 1))
        assert first[0] == 0, first
        assert "5 counted ballots" in first[1] and "position 1" in first[1], first
        again = finish(shuffle_cli(live, election_id, 1))
        assert again[0] == 0 and "already in" in again[1], again
        last = finish(shuffle_cli(live, election_id, 3))
        assert last[0] == 0 and "last shuffle needed" in last[1], last
        late = finish(shuffle_cli(live, election_id, 2))
        assert late[0] == 1 and "decrypting the mixed ballots" in late[2], late
        one = finish(tally_cli(live, election_id, 2))
        assert one[0] == 0, one
        assert "2 shuffle(s)" in one[1] and "partial decryptions of the mixed" in one[1], one
        two = finish(tally_cli(live, election_id, 3))
        assert two[0] == 0 and "ranked results are published" in two[1], two
        entries = board_of(admin, election_id)
        (result,) = [e["payload"] for e in entries if e["kind"] == "mix.result"]
        races = result["races"]
        assert sorted(map(repr, races["president"]["ballots"])) == sorted(map(repr, PRESIDENT))
        assert admin.get(f"/api/elections/{election_id}")["state"] == "tallied"
    finally:
        admin.close()
        live.stop()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_bad_shuffle_on_the_board_stops_the_next_trustee(db_url: str, tmp_path: Path) -> None:
    live = start(db_url, tmp_path)
    admin = Admin(live.base)
    try:
        election_id, seeded = seeded_election(live, admin, db_url)
        e = seeded.election

        async def forge() -> None:
            """A shuffle for the wrong place in the chain, put on the board by a server
            that skipped its own checks."""
            engine = make_engine(db_url)
            try:
                async with make_session_factory(engine)() as db:
                    entries = [to_entry(r) for r in await board_entries(db, election_id)]
                    lists = input_lists(e.definition, entries)
                    races = {
                        q: shuffle_and_prove(e.fingerprint, 2, e.joint_public_key, items).to_json()
                        for q, items in lists.items()
                    }
                    payload = {"trustee": 2, "races": races}
                    await append_board(db, election_id, Kind.MIX_SHUFFLED, payload, AT)
                    await db.commit()
            finally:
                await engine.dispose()

        asyncio.run(forge())
        refused = finish(shuffle_cli(live, election_id, 1))
        assert refused[0] == 2, refused
        assert "NOT going on" in refused[2] and "position" in refused[2], refused
        assert [e["kind"] for e in board_of(admin, election_id)].count("mix.shuffled") == 1
    finally:
        admin.close()
        live.stop()
