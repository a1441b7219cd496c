"""Fixtures shared by every test package.

``db_url`` gives each test a fresh, empty database on SQLite and on
PostgreSQL.  When the PostgreSQL server is unreachable the PostgreSQL half is
skipped locally, but fails under CI (CI=true): those tests must run there.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ADMIN_DSN = os.environ.get("BALLOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, why: str) -> None:
    """Skip locally, fail in CI: CI must never silently drop PostgreSQL or browser tests."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI but unavailable: {why}")
    pytest.skip(why)


def _pg_execute(sql: str) -> None:
    import asyncio

    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def _pg_available() -> bool:
    try:
        _pg_execute("SELECT 1")
    except Exception:
        return False
    return True


@pytest.fixture(scope="session")
def pg_available() -> bool:
    return _pg_available()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, pg_available: bool) -> Iterator[str]:
    """An async SQLAlchemy URL to a new, empty database (no tables yet)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
        return
    require(pg_available, "PostgreSQL at 127.0.0.1:5432 is not reachable")
    name = "ballot_test_" + secrets.token_hex(6)
    _pg_execute(f'CREATE DATABASE "{name}"')
    try:
        base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        yield f"{base}/{name}"
    finally:
        _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
