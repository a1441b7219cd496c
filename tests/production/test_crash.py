"""A web process killed with SIGKILL in the middle of casting loses nothing it promised (issue #6).

SIGKILL runs no shutdown code: whatever the process had in memory (the group-commit
queue, half-built transactions) is gone, and PostgreSQL rolls back what was not
committed.  The promises that must survive: every receipt handed out names a board
entry that holds that ballot; every consumed link has its ballot on the board and no
link was consumed without one; the chain and the signed heads verify with no repair
step; and after a restart a voter cut off without a receipt can vote again exactly when
their link was not consumed (and is told it was used otherwise, while finding their
ballot on the board by its tracker).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.support.inbox import Inbox as MailSink

from .cluster import (
    Child,
    Encryptor,
    Member,
    Outcome,
    Processes,
    check_board,
    check_receipt,
    email_of,
    post_cast,
    snapshot,
    start_web,
)
from .conftest import PgDatabase
from .deployment import deploy, open_for_voting

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

VOTERS = 60
CHALLENGED = {5, 33}
CLIENTS = 6  # concurrent voters hammering the server
KILL_AFTER = 15  # receipts handed out before the hunt for a bad moment to kill begins
FREEZES = 40  # tries at catching the server between a commit and its replies
LEFT_FOR_LATER = 20  # kill at the latest when this few voters are still waiting to start


async def _used_links(dsn: str, election_id: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        found = await conn.fetchval(
            "SELECT count(*) FROM voter_tokens WHERE election_id = $1 AND status = 'used'",
            election_id,
        )
    finally:
        await conn.close()
    return int(found)


async def _cast_until_killed(
    base: str, dsn: str, election_id: str, members: list[Member], server: Child
) -> dict[int, Outcome]:
    """Cast with CLIENTS concurrent clients, then SIGKILL the server at the worst moment found.

    The worst moment is right after a commit, before the voters got their receipts: the
    links are consumed and nobody was told.  To find one, the server is frozen (SIGSTOP)
    now and then while the load goes on; once the clients have read whatever it had
    already sent, the database is asked how many links are used.  More used links than
    receipts received means replies are stranded in the frozen process: kill it now.
    Failing that after FREEZES tries, it is killed anyway, mid-load.

    Returns the outcome per member index for every member whose cast was attempted
    (``status None``: the connection failed, i.e. the cast was cut off).
    """
    queue: asyncio.Queue[Member] = asyncio.Queue()
    for m in members:
        queue.put_nowait(m)
    outcomes: dict[int, Outcome] = {}
    enough = asyncio.Event()
    receipts = 0

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal receipts
        while not queue.empty():
            member = queue.get_nowait()
            outcome = await post_cast(http, base, member.token, member.ballot)
            outcomes[member.index] = outcome
            if outcome.status is None:
                return  # the server is gone: this voter gives up for now
            if outcome.status == 201:
                receipts += 1
                if receipts >= KILL_AFTER:
                    enough.set()

    async def saboteur() -> None:
        await enough.wait()
        for attempt in range(FREEZES):
            if queue.qsize() < LEFT_FOR_LATER:
                break  # keep voters for after the restart, however fast the server is
            server.freeze()
            await asyncio.sleep(0.05)  # let the clients read what was already sent
            if await _used_links(dsn, election_id) > receipts:
                break
            server.thaw()
            await asyncio.sleep(0.005 * (attempt % 7))
        server.kill_now()

    async with httpx.AsyncClient(timeout=60) as http:
        await asyncio.gather(saboteur(), *(client(http) for _ in range(CLIENTS)))
    return outcomes


def test_sigkill_during_casting_loses_no_promised_ballot(
    pg_db: PgDatabase, procs: Processes, key_file: Path
) -> None:
    with MailSink() as sink:
        site = deploy(pg_db, procs, key_file, sink.port)
        election_id, public, inbox = open_for_voting(site, sink, VOTERS, CHALLENGED)
    base, web, server_key = site.base, site.web, site.server_key
    encrypt = Encryptor(public)
    members = []
    for i in range(VOTERS):
        ballot, track = encrypt.ballot(i % 2)
        members.append(Member(i, inbox[email_of(i)], ballot, track))

    outcomes = asyncio.run(_cast_until_killed(base, pg_db.dsn, election_id, members, web))
    web.popen.wait(timeout=30)
    assert not web.alive()
    for i, outcome in outcomes.items():
        assert outcome.status in (201, None), (i, outcome.status, outcome.body)
        if outcome.status == 201:
            members[i].receipt = outcome.body
    with_receipt = [m for m in members if m.receipt is not None]
    cut_off = [m for m in members if m.index in outcomes and m.receipt is None]
    untried = [m for m in members if m.index not in outcomes]
    assert len(with_receipt) >= KILL_AFTER
    assert cut_off, "the kill cut no cast off; the test proved nothing"
    assert untried, "everyone voted before the kill; the test proved nothing"

    # Straight after the crash, with no repair step: the database tells a consistent story.
    snap = snapshot(pg_db.url, election_id)
    check_board(snap, server_key)
    for m in with_receipt:
        assert m.receipt is not None
        check_receipt(snap, m.receipt, m, server_key)
        assert snap.status_of(m.token) == "used"
    for m in cut_off:
        consumed = snap.status_of(m.token) == "used"
        assert len(snap.on_board(m.tracker)) == (1 if consumed else 0), (m.index, consumed)
    for m in untried:
        assert snap.status_of(m.token) == "active"
        assert not snap.on_board(m.tracker)

    # Restart: the same command on the same port.
    web2 = start_web(procs, site.env, site.port, "web-restarted")
    recast: list[Member] = []
    with httpx.Client(base_url=base, timeout=60) as http:
        for m in cut_off:
            consumed = snap.status_of(m.token) == "used"
            # The very same ballot again: a rolled-back cast must not have kept its ciphertexts.
            r = http.post("/api/cast", json={"token": m.token, "ballot": m.ballot})
            if consumed:
                assert r.status_code == 409, (m.index, r.status_code, r.text)
                assert "already been used" in r.json()["error"]
                found = http.get(f"/api/elections/{election_id}/trackers/{m.tracker}")
                assert found.status_code == 200, found.text
            else:
                assert r.status_code == 201, (m.index, r.status_code, r.text)
                m.receipt = r.json()
                recast.append(m)
        for m in untried:
            r = http.post("/api/cast", json={"token": m.token, "ballot": m.ballot})
            assert r.status_code == 201, (m.index, r.status_code, r.text)
            m.receipt = r.json()
            recast.append(m)
        for m in with_receipt:  # a receipt-holder's link stays spent after the restart
            fresh, _ = encrypt.ballot(0)
            r = http.post("/api/cast", json={"token": m.token, "ballot": fresh})
            assert r.status_code == 409, (m.index, r.status_code, r.text)
    assert recast, "nobody could vote after the restart"
    assert web2.alive(), web2.tail()
    web2.assert_no_errors()

    final = snapshot(pg_db.url, election_id)
    check_board(final, server_key)
    for m in members:
        if m.receipt is not None:
            check_receipt(final, m.receipt, m, server_key)
    assert len(final.ballot_entries()) == VOTERS  # everyone voted exactly once in the end
    assert sorted(s for _, s, _ in final.tokens) == ["used"] * VOTERS
    # The board before the crash is a prefix of the board after it: nothing was rewritten.
    assert final.entries[: len(snap.entries)] == snap.entries
