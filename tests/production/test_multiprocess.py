"""Two web services and a mail worker on one PostgreSQL database (issue #6).

Production runs more than one server process; the only thing they share is the
database.  So the board's order, the signed heads and the one-ballot-per-link rule must
hold across processes, not merely across the tasks of one event loop.  Here 40 members
get their links from real invitations that a separate ``ballot worker`` delivered over
SMTP; half vote through ``ballot serve`` and half through the production entry point
(uvicorn's supervisor with two worker processes on ``app_from_env``, as the systemd unit
runs it), all at once, and a few try to vote twice at the same moment through both.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.support.inbox import Inbox as MailSink

from .cluster import (
    Committee,
    Encryptor,
    Member,
    Outcome,
    Processes,
    check_board,
    check_receipt,
    definition,
    email_of,
    free_port,
    post_cast,
    roll_csv,
    snapshot,
    start_uvicorn_workers,
    tokens_from_inbox,
)
from .conftest import PgDatabase
from .deployment import deploy

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

VOTERS = 40
CHALLENGED = {7, 23}  # their ballots go to the challenged pool, from either server
TWICE = [3, 12, 26, 35]  # these cast two different ballots at once, one through each server
CONCURRENCY = 8  # requests in flight per server


async def _cast_everywhere(
    bases: list[str], members: list[Member], second: dict[int, Member]
) -> tuple[list[tuple[Member, str, Outcome]], dict[int, list[Outcome]]]:
    """Every member casts at once: even ones through server 0, odd ones through server 1."""
    gates = [asyncio.Semaphore(CONCURRENCY) for _ in bases]
    limits = httpx.Limits(max_connections=CONCURRENCY * 2)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def one(member: Member, server: int) -> Outcome:
            async with gates[server]:
                return await post_cast(client, bases[server], member.token, member.ballot)

        plan: list[tuple[Member, int]] = []
        for m in members:
            plan.append((m, m.index % 2))
            if m.index in second:  # queued side by side, so both start at about the same time
                plan.append((second[m.index], 1 - m.index % 2))
        outcomes = await asyncio.gather(*(one(m, s) for m, s in plan))
    first: list[tuple[Member, str, Outcome]] = []
    doubles: dict[int, list[Outcome]] = {i: [] for i in second}
    for (m, s), o in zip(plan, outcomes, strict=True):
        if m.index in doubles:
            doubles[m.index].append(o)
        if m is members[m.index]:
            first.append((m, bases[s], o))
    return first, doubles


def test_two_web_processes_and_a_worker_share_one_board(
    pg_db: PgDatabase, procs: Processes, key_file: Path
) -> None:
    with MailSink() as sink:
        site = deploy(pg_db, procs, key_file, sink.port)
        port = free_port()
        bases = [site.base, f"http://127.0.0.1:{port}"]
        webs = [
            site.web,
            start_uvicorn_workers(procs, site.env, port, workers=2, name="uvicorn"),
        ]
        worker = procs.start("worker", ["worker"], site.env)

        committee = Committee(bases[0])
        try:
            election_id, public, _ = committee.open_election(
                definition(), roll_csv(VOTERS, CHALLENGED)
            )
        finally:
            committee.close()
        # The links come from the inbox: the worker process delivered every invitation.
        inbox = tokens_from_inbox(sink, VOTERS)
        assert worker.alive(), worker.tail()
    assert len(inbox) == VOTERS

    encrypt = Encryptor(public)
    members: list[Member] = []
    for i in range(VOTERS):
        ballot, track = encrypt.ballot(i % 2)
        members.append(Member(i, inbox[email_of(i)], ballot, track))
    second: dict[int, Member] = {}
    for i in TWICE:
        ballot, track = encrypt.ballot(1 - i % 2)
        second[i] = Member(i, members[i].token, ballot, track)

    first, doubles = asyncio.run(_cast_everywhere(bases, members, second))
    for child in [*webs, worker]:
        assert child.alive(), child.tail()
        child.assert_no_errors()

    # Same link, two servers, same moment: exactly one ballot, the other told "already used".
    for i, outcomes in doubles.items():
        codes = Counter(o.status for o in outcomes)
        assert codes == {201: 1, 409: 1}, (i, [(o.status, o.body, o.error) for o in outcomes])
        refused = next(o for o in outcomes if o.status == 409)
        assert "already been used" in refused.body["error"]
        winner = next(o for o in outcomes if o.status == 201)
        chosen = members[i] if winner is outcomes[0] else second[i]  # plan order
        chosen.receipt = winner.body
    for member, base, outcome in first:
        if member.index in TWICE:
            continue
        assert outcome.status == 201, (member.index, base, outcome.status, outcome.body)
        member.receipt = outcome.body
    receipts = [m for m in [*members, *second.values()] if m.receipt is not None]
    assert len(receipts) == VOTERS

    snap = snapshot(pg_db.url, election_id)
    check_board(snap, site.server_key)
    for member in receipts:
        assert member.receipt is not None
        check_receipt(snap, member.receipt, member, site.server_key)
    # Both processes wrote to the one board, interleaved on a single chain.
    served = Counter(b for m, b, o in first if o.status == 201)
    assert set(served) == set(bases), served
    assert len(snap.ballot_entries()) == VOTERS
    assert sorted(int(m.receipt["seq"]) for m in receipts if m.receipt) == [
        e.seq for e in snap.ballot_entries()
    ]
    assert Counter(e.kind for e in snap.ballot_entries()) == {
        "ballot.cast": VOTERS - len(CHALLENGED),
        "ballot.challenged": len(CHALLENGED),
    }
    # Every link consumed exactly once; every member's token is spent.
    assert sorted(s for _, s, _ in snap.tokens) == ["used"] * VOTERS
    for member in members:
        assert snap.status_of(member.token) == "used"
