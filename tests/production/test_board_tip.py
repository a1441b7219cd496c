"""A cast that waited for the election lock appends after what the lock holder wrote.

With several server processes, a cast may have to wait for the election row lock
while another process appends to the board.  When the lock is granted, the board tip
(last seq, its hash, the last signed head) must be read *then*: under PostgreSQL's
READ COMMITTED a statement sees the data as of its own start, so a tip read in the
same statement that waited for the lock is the tip from before the other process's
commit, and the cast would collide with the entry that process just added.

This makes the race deterministic: the test holds the lock itself from another
connection, waits until the server's cast is queued behind it, appends an entry and a
signed head as another process would, commits, and then expects the cast to land on
the next seq with a head chained to the one just written.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import asyncpg
import httpx
import pytest

from ballot.record.board import BoardEntry, append
from ballot.record.canonical import canonical_json
from ballot.record.signing import SignedHead, sign_head
from ballot.store.serverkey import load_or_create
from ballot.store.types import utcnow
from tests.support.inbox import Inbox as MailSink

from .cluster import Encryptor, Member, Processes, check_board, check_receipt, email_of, snapshot
from .conftest import PgDatabase
from .deployment import deploy, open_for_voting

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


async def _append_as_another_process(
    conn: asyncpg.Connection, election_id: str, key_file: Path
) -> int:
    """Append a note and sign the new head, in ``conn``'s open transaction; returns its seq."""
    row = await conn.fetchrow(
        "SELECT seq, kind, at, payload, prev FROM board_entries "
        "WHERE election_id = $1 ORDER BY seq DESC LIMIT 1",
        election_id,
    )
    last = BoardEntry(row["seq"], row["kind"], row["at"], json.loads(row["payload"]), row["prev"])
    entry = append(last, "note.maintenance", {"text": "written by another process"}, utcnow())
    await conn.execute(
        "INSERT INTO board_entries (election_id, seq, kind, at, payload, prev, hash) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        election_id,
        entry.seq,
        entry.kind,
        entry.at,
        canonical_json(entry.payload).decode(),
        entry.prev,
        entry.hash,
    )
    h = await conn.fetchrow(
        "SELECT election_id, seq, head, at, prev, signature FROM board_heads "
        "WHERE election_id = $1 ORDER BY id DESC LIMIT 1",
        election_id,
    )
    head = sign_head(
        load_or_create(key_file).board_key, election_id, entry, entry.at, SignedHead(*h)
    )
    await conn.execute(
        "INSERT INTO board_heads (election_id, seq, head, at, prev, signature, hash) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        election_id,
        head.seq,
        head.head_hash,
        head.at,
        head.prev,
        head.signature,
        head.hash,
    )
    return entry.seq


async def _cast_behind_the_lock(
    dsn: str, database: str, base: str, election_id: str, member: Member, key_file: Path
) -> tuple[int, httpx.Response]:
    holder = await asyncpg.connect(dsn)
    watcher = await asyncpg.connect(dsn)
    try:
        transaction = holder.transaction()
        await transaction.start()
        await holder.execute("SELECT id FROM elections WHERE id = $1 FOR UPDATE", election_id)
        async with httpx.AsyncClient(timeout=60) as http:
            cast = asyncio.create_task(
                http.post(base + "/api/cast", json={"token": member.token, "ballot": member.ballot})
            )
            deadline = time.monotonic() + 30
            while not await watcher.fetchval(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = $1 AND wait_event_type = 'Lock'",
                database,
            ):
                assert not cast.done(), cast.result().text
                assert time.monotonic() < deadline, "the cast never waited for the election lock"
                await asyncio.sleep(0.02)
            seq = await _append_as_another_process(holder, election_id, key_file)
            await transaction.commit()
            return seq, await cast
    finally:
        await holder.close()
        await watcher.close()


def test_cast_waiting_for_the_lock_appends_after_the_holder(
    pg_db: PgDatabase, procs: Processes, key_file: Path
) -> None:
    with MailSink() as sink:
        site = deploy(pg_db, procs, key_file, sink.port)
        election_id, public, inbox = open_for_voting(site, sink, 2)
    ballot, track = Encryptor(public).ballot(0)
    member = Member(0, inbox[email_of(0)], ballot, track)

    seq, response = asyncio.run(
        _cast_behind_the_lock(pg_db.dsn, pg_db.name, site.base, election_id, member, key_file)
    )
    assert response.status_code == 201, (response.status_code, response.text)
    member.receipt = response.json()
    assert member.receipt["seq"] == seq + 1
    snap = snapshot(pg_db.url, election_id)
    check_board(snap, site.server_key)
    check_receipt(snap, member.receipt, member, site.server_key)
    assert snap.heads[-2].seq == seq  # the cast's head chains to the one written meanwhile
    assert site.web.alive(), site.web.tail()
