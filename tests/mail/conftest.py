"""Fixtures for mail tests: an outbox on SQLite and PostgreSQL, and a real SMTP server.

Only the outbox table is created, so these tests do not depend on the rest of the
schema; delivery goes through aiosmtplib to ``MailSink`` (aiosmtpd) on localhost.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ballot.config import Settings
from ballot.mail.sink import MailSink
from ballot.store.base import Base
from ballot.store.db import make_engine, make_session_factory
from ballot.store.outbox import OutboxMessage


@pytest.fixture
async def session_factory(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(db_url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all, tables=[OutboxMessage.__table__])
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def sink() -> Iterator[MailSink]:
    s = MailSink().start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def settings(sink: MailSink) -> Settings:
    return Settings(
        smtp_port=sink.port, mail_rate=0, mail_from="Local 42 Election <elections@local42.example>"
    )
