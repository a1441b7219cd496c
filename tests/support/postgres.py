"""The PostgreSQL server the tests use: its admin connection, new databases, one template.

Migrating a database costs about a second; cloning a migrated one with
``CREATE DATABASE ... TEMPLATE`` costs a fraction of that.  So each test session
(each xdist worker) migrates one template once and clones it per test.  PostgreSQL
refuses to clone a database anyone is connected to, so nothing keeps a connection to
the template open: it is migrated, its engine disposed, and only then cloned.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

ADMIN_DSN = os.environ.get("BALLOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SERVER_DSN = ADMIN_DSN.rsplit("/", 1)[0]


def execute(sql: str) -> None:
    """Run one statement as the admin (CREATE/DROP DATABASE cannot run in a transaction)."""

    async def run() -> None:
        conn = await asyncpg.connect(ADMIN_DSN, timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def available() -> bool:
    try:
        execute("SELECT 1")
    except Exception:
        return False
    return True


def async_url(name: str) -> str:
    """SQLAlchemy's URL for database ``name`` (postgresql+asyncpg://...)."""
    return f"{SERVER_DSN.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"


def unique_name(prefix: str) -> str:
    """A database name no other test, worker or engineer's run will pick."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return f"{prefix}{worker}_{secrets.token_hex(5)}" if worker else prefix + secrets.token_hex(6)


def create(name: str, template: str | None = None) -> None:
    clone = f' TEMPLATE "{template}"' if template else ""
    execute(f'CREATE DATABASE "{name}"{clone}')


def drop(name: str) -> None:
    """Drop even if children still hold connections (a killed server's pool)."""
    execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def database(prefix: str = "ballot_test_", template: str | None = None) -> Iterator[str]:
    """A new database (empty, or a clone of ``template``), dropped afterwards; yields its name."""
    name = unique_name(prefix)
    create(name, template)
    try:
        yield name
    finally:
        drop(name)


def migrated_template() -> str:
    """A new database at the newest schema, for cloning (the caller drops it)."""
    from ballot.migrations import upgrade

    name = unique_name("ballot_tmpl_")
    create(name)
    try:
        upgrade(async_url(name))  # disposes its engine: no connection stays open
    except BaseException:
        drop(name)
        raise
    return name
