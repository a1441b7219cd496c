"""Databases for one test: empty, or a copy of the session's migrated template.

SQLite's template is a migrated file copied per test; PostgreSQL's is a migrated
database cloned per test (``postgres.migrated_template``).  Both are made once per
session, that is once per xdist worker, in the worker's own temporary directory.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from . import postgres

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def require(condition: bool, why: str) -> None:
    """Skip locally, fail in CI: CI must never silently drop PostgreSQL or browser tests."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI but unavailable: {why}")
    pytest.skip(why)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


class Templates:
    """The session's migrated databases, made on first use."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._sqlite: Path | None = None
        self._pg: str | None = None

    def sqlite(self) -> Path:
        if self._sqlite is None:
            from ballot.migrations import upgrade

            path = self.folder / "template.sqlite3"
            upgrade(sqlite_url(path))
            self._sqlite = path
        return self._sqlite

    def postgresql(self) -> str:
        if self._pg is None:
            self._pg = postgres.migrated_template()
        return self._pg

    def close(self) -> None:
        if self._pg is not None:
            postgres.drop(self._pg)
            self._pg = None


@contextmanager
def fresh(engine: str, folder: Path, templates: Templates, *, migrated: bool) -> Iterator[str]:
    """A URL to a new database on ``engine``: empty, or migrated (a copy of the template)."""
    if engine == "sqlite":
        path = folder / "test.sqlite3"
        if migrated:
            shutil.copyfile(templates.sqlite(), path)
        yield sqlite_url(path)
        return
    template = templates.postgresql() if migrated else None
    with postgres.database("ballot_test_", template) as name:
        yield postgres.async_url(name)
