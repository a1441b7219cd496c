"""Thirty simultaneous Benaloh audits with one link (issue 11, item 4): no 5xx, and never
more audits published than the per-link limit (SQLite and PostgreSQL; on PostgreSQL the
app's connection pool runs them truly in parallel)."""

from __future__ import annotations

import asyncio
from collections import Counter

from litestar import Litestar
from sqlalchemy import select

from ballot.record.board import verify_chain
from ballot.record.kinds import Kind
from ballot.store.board import board_entries, to_entry
from ballot.store.cast_tables import TokenAudit
from ballot.store.casting import MAX_AUDITS_PER_LINK
from tests.support.asgi import Web

from .conftest import CastElection
from .test_audit_api import audited


async def test_thirty_simultaneous_audits_with_one_link(
    app: Litestar, web: Web, cast_election: CastElection
) -> None:
    token = cast_election.links["K003"]
    audits = [audited(cast_election, i % 2) for i in range(30)]
    responses = await asyncio.gather(
        *(
            web.client.post("/api/audited-ballots", json={"token": token, "audit": a})
            for a in audits
        )
    )
    codes = Counter(r.status_code for r in responses)
    assert all(r.status_code < 500 for r in responses), [r.text for r in responses][:3]
    assert codes[201] == MAX_AUDITS_PER_LINK, codes
    assert set(codes) <= {201, 409, 429}, codes
    async with app.state.session_factory() as db:
        rows = await board_entries(db, cast_election.id)
        count = await db.scalar(select(TokenAudit.audits))
    published = [r for r in rows if r.kind == Kind.AUDITED]
    assert len(published) == codes[201] <= MAX_AUDITS_PER_LINK
    assert count == len(published)
    verify_chain([to_entry(r) for r in rows])
