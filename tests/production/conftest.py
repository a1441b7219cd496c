"""Fixtures for the production tests: a fresh PostgreSQL database and a reaper for children.

These tests are about PostgreSQL only (several processes sharing one server database),
so they use ``require``: skipped on a laptop without PostgreSQL, a failure under CI.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ballot.store.serverkey import load_or_create
from tests.support import postgres
from tests.support.databases import require

from .cluster import Processes


@dataclass(frozen=True)
class PgDatabase:
    name: str
    url: str  #: SQLAlchemy async URL (postgresql+asyncpg://...)
    dsn: str  #: libpq URL (postgresql://...), what pg_dump and psql take

    @property
    def server_dsn(self) -> str:
        return self.dsn.rsplit("/", 1)[0]


def make_database(prefix: str = "ballot_prod_") -> PgDatabase:
    name = postgres.unique_name(prefix)
    postgres.create(name)
    return PgDatabase(name, postgres.async_url(name), f"{postgres.SERVER_DSN}/{name}")


def drop_database(name: str) -> None:
    postgres.drop(name)


@pytest.fixture
def pg_db(pg_available: bool) -> Iterator[PgDatabase]:
    """A new, empty PostgreSQL database, dropped afterwards even if children still hold it."""
    require(pg_available, "PostgreSQL at 127.0.0.1:5432 is not reachable")
    db = make_database()
    try:
        yield db
    finally:
        drop_database(db.name)


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[Processes]:
    """Child processes started by the test; every one is stopped (and reaped) at the end."""
    group = Processes(tmp_path)
    try:
        yield group
    finally:
        group.stop_all()


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    """The deployment's secret file, made before any process starts so none races to create it."""
    path = tmp_path / "secret.key"
    load_or_create(path)
    return path
