"""The pytest plugin every test runs under (``pytest_plugins`` in ``tests/conftest.py``).

It sets the cheap Argon2 profile for this process and every child it starts (the
production cost stays the default everywhere else), turns the set-up checklist off
likewise (tests of the checklist turn it on), gives each test its databases,
and registers the shared fixtures of ``asgi`` and ``elections``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before anything hashes a password or seals a key file; children inherit it.
os.environ.setdefault("BALLOT_ARGON2_PROFILE", "test")
# Most tests open elections without the set-up checklist's steps (rehearsals, a test
# message, the notice): the checklist is off unless a test turns it on
# (``settings.with_(setup_checklist=True)``; tests/committee/test_setup_checklist.py).
os.environ.setdefault("BALLOT_SETUP_CHECKLIST", "false")

from . import postgres
from .asgi import admin, app, captured_tokens, clock, settings, unmigrated_settings, web
from .databases import ENGINES, Templates, fresh, require
from .elections import cast_election

__all__ = [
    "admin",
    "app",
    "captured_tokens",
    "cast_election",
    "clock",
    "db_url",
    "migrated_db_url",
    "pg_available",
    "settings",
    "unmigrated_settings",
    "web",
]


@pytest.fixture(scope="session")
def pg_available() -> bool:
    return postgres.available()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    made = Templates(tmp_path_factory.mktemp("templates"))
    try:
        yield made
    finally:
        made.close()


def _engine(request: pytest.FixtureRequest, pg_available: bool) -> str:
    engine = str(request.param)
    if engine == "postgresql":
        require(pg_available, "PostgreSQL at 127.0.0.1:5432 is not reachable")
    return engine


@pytest.fixture(params=ENGINES)
def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, pg_available: bool, templates: Templates
) -> Iterator[str]:
    """An async SQLAlchemy URL to a new, empty database (no tables yet), on each engine."""
    with fresh(_engine(request, pg_available), tmp_path, templates, migrated=False) as url:
        yield url


@pytest.fixture(params=ENGINES)
def migrated_db_url(
    request: pytest.FixtureRequest, tmp_path: Path, pg_available: bool, templates: Templates
) -> Iterator[str]:
    """A new database at the newest schema (a copy of the session's template), on each engine."""
    with fresh(_engine(request, pg_available), tmp_path, templates, migrated=True) as url:
        yield url
