"""The live server and the Chromium a module's browser tests share, on each engine.

A browser test module says what its server is made of and what it holds before the
first test (``live_fixture``), or writes its own ``live`` fixture around
``live_server`` when it needs more (a fake SMS gateway, one engine only); ``browser``
comes from ``browser_fixture``.  The server is ready before the browser starts:
Playwright's sync API then holds the thread's event loop, which the set-up helpers
(``open_election``, ``LiveServer.deliver``) need for their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from .browser import chromium, require_chromium
from .inbox import Inbox
from .live import LiveServer, engine_database, start_server

#: The engines a module's live server runs on, one after the other.
ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@contextmanager
def live_server(
    engine: str, folder: Path, *, inbox: bool = False, **settings: Any
) -> Iterator[LiveServer]:
    """A server on a new ``engine`` database kept in ``folder`` (its mail to a new
    :class:`Inbox` with ``inbox``; ``settings`` as ``start_server`` takes them), stopped
    afterwards.  Skipped without Chromium: only browser tests start one this way."""
    require_chromium()
    with engine_database(engine, folder) as url:
        mail = Inbox() if inbox else None
        if mail is not None:
            mail.start()
        server = start_server(url, folder, inbox=mail, engine=engine, **settings)
        try:
            yield server
        finally:
            server.stop()


def live_fixture(
    prepare: Callable[[LiveServer], object] | None = None,
    *,
    folder: str = "live",
    inbox: bool = False,
    **settings: Any,
) -> Any:
    """A module-scoped ``live`` fixture, once on each of ENGINES: a :func:`live_server`
    (in a new temporary folder named after ``folder``) that ``prepare`` fills in before
    any test runs.  Assign it to ``live`` in the test module."""

    @pytest.fixture(scope="module", params=ENGINES)
    def live(
        request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
    ) -> Iterator[LiveServer]:
        path = tmp_path_factory.mktemp(folder)
        with live_server(request.param, path, inbox=inbox, **settings) as server:
            if prepare is not None:
                prepare(server)
            yield server

    return live


def browser_fixture() -> Any:
    """A module-scoped ``browser`` fixture: one Chromium for the module's tests, started
    after its ``live`` server.  Assign it to ``browser`` in the test module."""

    @pytest.fixture(scope="module")
    def browser(live: Any) -> Iterator[Any]:
        with chromium() as started:
            yield started

    return browser
