"""The committee accounts every test signs in with: one password, one admin."""

from __future__ import annotations

import asyncio

from ballot.store import accounts
from ballot.store.db import make_engine, make_session_factory
from ballot.store.types import utcnow

PASSWORD = "correct horse battery"
ADMIN = "admin@example.org"


async def add_account(url: str, email: str = ADMIN, role: str = "admin") -> None:
    """An account with the tests' password, written straight into the database at ``url``."""
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as db:
            await accounts.create_account(
                db,
                email=email,
                name=email.split("@")[0],
                role=role,
                password=PASSWORD,
                now=utcnow(),
            )
            await db.commit()
    finally:
        await engine.dispose()


async def make_admin(url: str) -> None:
    """The committee admin every live test signs in as (admin@example.org)."""
    await add_account(url)


def create_account(url: str, email: str = ADMIN, role: str = "admin") -> None:
    """:func:`add_account` for code outside an event loop."""
    asyncio.run(add_account(url, email, role))
