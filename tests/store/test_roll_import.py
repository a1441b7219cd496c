"""Roll import, token issue and invitation queueing in bulk: all or nothing, on both engines.

PostgreSQL writes these rows with COPY straight through asyncpg and SQLite with
many-row INSERTs (``ballot.store.bulk``); either way the rows belong to the caller's
transaction, and a bad row anywhere in a UPS-size roll imports nothing and is named.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ballot.mail import outbox
from ballot.migrations import upgrade_engine
from ballot.store.db import make_engine, make_session_factory
from ballot.store.elections import create_election, parse_definition
from ballot.store.models import Voter, VoterToken
from ballot.store.outbox import OutboxMessage
from ballot.store.roll import import_roll, roll_size
from ballot.store.tokens import hash_token, issue_tokens, lookup_token

Factory = async_sessionmaker[AsyncSession]
HEADER = "member_id,name,email,language,unit,challenged\n"
UPS_SIZE = 260_000
BAD_LINE = 200_001  # the header is line 1


def roll_lines(members: int, start: int = 0) -> list[str]:
    return [
        f"M{i:07d},Member {i},member{i}@example.org,en,Local {i % 40},{'yes' if i % 997 == 0 else ''}\n"
        for i in range(start, start + members)
    ]


@pytest.fixture(scope="module")
def ups_roll_with_one_bad_row() -> str:
    lines = roll_lines(UPS_SIZE)
    lines[BAD_LINE - 2] = f"M{BAD_LINE - 2:07d},Member,not an address,en,Local 1,\n"
    return HEADER + "".join(lines)


@pytest.fixture
async def factory(db_url: str) -> AsyncIterator[Factory]:
    engine = make_engine(db_url)
    await upgrade_engine(engine)
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()


async def new_election(factory: Factory) -> str:
    now = datetime.now(UTC)
    definition = {
        "kind": "ratification",
        "title": {"en": "Contract ratification"},
        "opens_at": (now + timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=20)).isoformat(),
        "questions": [
            {"text": {"en": "Ratify?"}, "options": [{"en": "Yes"}, {"en": "No"}]},
        ],
    }
    async with factory() as db:
        election = await create_election(db, parse_definition(definition), now)
        await db.commit()
        return election.id


async def count(factory: Factory, model: Any) -> int:
    async with factory() as db:
        return int(await db.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.slow
async def test_one_bad_row_in_a_ups_size_roll_imports_nothing_and_is_named(
    factory: Factory, ups_roll_with_one_bad_row: str
) -> None:
    election_id = await new_election(factory)
    async with factory() as db:
        result = await import_roll(db, election_id, ups_roll_with_one_bad_row)
        await db.commit()
    assert not result.ok and result.imported == 0
    assert [(p.line, p.column) for p in result.problems] == [(BAD_LINE, "email")]
    async with factory() as db:
        assert await roll_size(db, election_id) == 0


async def test_a_clash_with_the_roll_already_imported_imports_nothing(factory: Factory) -> None:
    election_id = await new_election(factory)
    async with factory() as db:
        assert (await import_roll(db, election_id, HEADER + "".join(roll_lines(3000)))).ok
        await db.commit()
    again = roll_lines(2000, start=2999)  # its first line is member 2999, already on the roll
    async with factory() as db:
        result = await import_roll(db, election_id, HEADER + "".join(again))
        await db.commit()
    assert not result.ok and result.imported == 0
    assert result.problems[0].line == 2 and result.problems[0].column == "member_id"
    assert await count(factory, Voter) == 3000


async def test_bulk_rows_belong_to_the_callers_transaction(factory: Factory) -> None:
    """An import, the tokens and the invitations of an opening vanish with a rollback."""
    election_id = await new_election(factory)
    now = datetime.now(UTC)
    async with factory() as db:
        result = await import_roll(db, election_id, HEADER + "".join(roll_lines(6000)))
        assert result.ok and result.imported == 6000
        assert await roll_size(db, election_id) == 6000  # visible inside the transaction
        await db.rollback()
    assert await count(factory, Voter) == 0

    async with factory() as db:
        assert (await import_roll(db, election_id, HEADER + "".join(roll_lines(6000)))).ok
        await db.commit()
    async with factory() as db:
        issued = await issue_tokens(db, election_id, now)
        assert len(issued) == 6000
        queued = await outbox.enqueue_many(db, (invitation(election_id, t) for t in issued))
        assert queued == 6000
        await db.rollback()
    assert await count(factory, VoterToken) == 0
    assert await count(factory, OutboxMessage) == 0


async def test_issued_tokens_are_stored_as_hashes_and_found(factory: Factory) -> None:
    election_id = await new_election(factory)
    now = datetime.now(UTC)
    async with factory() as db:
        assert (await import_roll(db, election_id, HEADER + "".join(roll_lines(50)))).ok
        issued = await issue_tokens(db, election_id, now)
        await db.commit()
    assert len({t.token for t in issued}) == 50
    async with factory() as db:
        stored = (await db.execute(select(VoterToken.token_hash, VoterToken.issued_at))).all()
        assert {h for h, _ in stored} == {hash_token(t.token) for t in issued}
        assert {at for _, at in stored} == {now}  # aware UTC in, the same out, on both engines
        found = await lookup_token(db, issued[7].token)
        assert found is not None and found.voter.id == issued[7].voter_id
        # A second issue finds every voter with an active token: nothing new.
        assert await issue_tokens(db, election_id, now) == []


async def test_a_bad_message_part_way_leaves_the_session_usable_after_rollback(
    factory: Factory,
) -> None:
    election_id = await new_election(factory)
    async with factory() as db:
        assert (await import_roll(db, election_id, HEADER + "".join(roll_lines(4000)))).ok
        issued = await issue_tokens(db, election_id, datetime.now(UTC))
        await db.commit()
    messages = [invitation(election_id, t) for t in issued]
    messages[3500]["to_address"] = "two@example.org, addresses@example.org"
    async with factory() as db:
        with pytest.raises(outbox.OutboxError, match="not a single email address"):
            await outbox.enqueue_many(db, messages)
        await db.rollback()
        assert await db.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert await outbox.enqueue_many(db, messages[:10]) == 10
        await db.commit()
    assert await count(factory, OutboxMessage) == 10


def invitation(election_id: str, token: Any) -> dict[str, Any]:
    return {
        "election_id": election_id,
        "voter_ref": str(token.voter_id),
        "kind": "invitation",
        "to_address": token.email,
        "language": token.language,
        "subject": "Your ballot",
        "body_text": f"Vote here: https://vote.example.org/v/{token.token}",
        "body_html": None,
    }


async def test_long_bodies_read_back_as_queued(factory: Factory) -> None:
    """Bodies long enough to be compressed in the database come back byte for byte."""
    election_id = await new_election(factory)
    async with factory() as db:
        assert (await import_roll(db, election_id, HEADER + "".join(roll_lines(20)))).ok
        issued = await issue_tokens(db, election_id, datetime.now(UTC))
        messages = [
            {**invitation(election_id, t), "body_html": f"<p>{t.token}</p>" + "<p>Vote.</p>" * 400}
            for t in issued
        ]
        assert await outbox.enqueue_many(db, messages) == 20
        await db.commit()
    async with factory() as db:
        stored = dict(
            (await db.execute(select(OutboxMessage.voter_ref, OutboxMessage.body_html))).all()
        )
    assert stored == {m["voter_ref"]: m["body_html"] for m in messages}
