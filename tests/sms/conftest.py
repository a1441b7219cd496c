"""Fixtures for the text-message tests: a fake gateway on localhost and an outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ballot.config import Settings
from ballot.store.base import Base
from ballot.store.db import make_engine, make_session_factory
from ballot.store.outbox import OutboxMessage
from tests.support.sms_gateway import ACCOUNT_SID, AUTH_TOKEN, GENERIC_SECRET, FakeGateway

BASE = "https://vote.example.org"
FROM = "+15005550006"


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    fake = FakeGateway().start()
    try:
        yield fake
    finally:
        fake.stop()


def twilio_settings(gateway: FakeGateway, **changes: object) -> Settings:
    return Settings(
        base_url=BASE,
        mail_rate=0,
        sms_gateway="twilio",
        sms_from=FROM,
        sms_rate=0,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_api_url=gateway.url,
    ).with_(**changes)


def generic_settings(gateway: FakeGateway, **changes: object) -> Settings:
    return Settings(
        base_url=BASE,
        mail_rate=0,
        sms_gateway="generic",
        sms_from=FROM,
        sms_rate=0,
        sms_generic_url=gateway.url + "/generic",
        sms_generic_secret=GENERIC_SECRET,
    ).with_(**changes)


@pytest.fixture
async def outbox_factory(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """An outbox on each engine (only its own table)."""
    engine = make_engine(db_url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all, tables=[OutboxMessage.__table__])
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()
