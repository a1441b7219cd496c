"""The board's times never go back, even when an act's clock was read before a cast
committed: entries and signed heads take the later time (PROTOCOL 11.9), on both engines."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ballot.migrations import upgrade_engine
from ballot.record.board import verify_chain
from ballot.record.signing import ServerKey, verify_head_sequence
from ballot.store.board import (
    append_board,
    board_entries,
    board_heads,
    sign_board_head,
    to_entry,
    to_head,
)
from ballot.store.db import make_engine, make_session_factory
from ballot.store.elections import create_election, parse_definition

Factory = async_sessionmaker[AsyncSession]
LATER = datetime(2026, 11, 2, 9, 0, 10, tzinfo=UTC)


@pytest.fixture
async def factory(db_url: str) -> AsyncIterator[Factory]:
    engine = make_engine(db_url)
    await upgrade_engine(engine)
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()


async def test_an_act_whose_clock_lags_the_board_does_not_take_it_back(factory: Factory) -> None:
    definition = {
        "kind": "ratification",
        "title": {"en": "Contract ratification"},
        "questions": [{"text": {"en": "Ratify?"}, "options": [{"en": "Yes"}, {"en": "No"}]}],
    }
    key = ServerKey.generate()
    async with factory() as db:
        election = await create_election(db, parse_definition(definition), LATER)
        await append_board(db, election.id, "note.test", {"n": 1}, LATER)
        await sign_board_head(db, election.id, key, LATER)
        lagging = LATER - timedelta(seconds=5)  # read before the entry above was written
        row = await append_board(db, election.id, "note.test", {"n": 2}, lagging)
        head = await sign_board_head(db, election.id, key, lagging - timedelta(seconds=5))
        await db.commit()
    assert row.at == "2026-11-02T09:00:10Z"
    assert head is not None and head.at == "2026-11-02T09:00:10Z" and head.seq == row.seq
    async with factory() as db:
        entries = [to_entry(r) for r in await board_entries(db, election.id)]
        heads = [to_head(r) for r in await board_heads(db, election.id)]
    verify_chain(entries, heads[-1].head_hash)
    verify_head_sequence(heads, key.public_hex)
    assert [e.at for e in entries] == sorted(e.at for e in entries)
