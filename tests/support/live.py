"""One real server for the tests: uvicorn in a thread on a free port, on a migrated database.

Browser tests, the trustee tool's network tests and the end-to-end runs talk to it over
real HTTP.  Its invitations go through the real mail worker to an :class:`Inbox`.
Each server picks a port the OS hands out, so parallel workers never collide.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn

from ballot.config import Settings
from ballot.mail.worker import run_worker
from ballot.migrations import upgrade
from ballot.store.db import make_engine, make_session_factory
from ballot.store.types import utcnow
from ballot.web.app import create_app

from . import postgres
from .accounts import PASSWORD, create_account
from .committee import Committee
from .databases import require, sqlite_url
from .inbox import Inbox

PASSPHRASE = "trustee passphrase, long enough"


class ShiftedClock:
    """The real time plus an offset a test moves forward (an objection period passes at once).

    Real time, not a frozen one: the trustee tool, the browser and the mail worker in other
    processes keep their own clocks, and these must not disagree with the server's by more
    than the test means them to.
    """

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    """A running server; ``folder`` holds its secret key and the trustees' secret files."""

    base: str
    settings: Settings
    server: uvicorn.Server
    thread: threading.Thread
    folder: Path
    inbox: Inbox | None = None
    engine: str = "sqlite"
    election_id: str = ""
    links: dict[str, str] = field(default_factory=dict)  # email -> voting link

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        if self.inbox is not None:
            self.inbox.stop()

    def deliver(self) -> int:
        """Send the queued mail now, from this process (the worker's one pass)."""

        async def run() -> int:
            engine = make_engine(self.settings.database_url)
            try:
                return await run_worker(make_session_factory(engine), self.settings, once=True)
            finally:
                await engine.dispose()

        return asyncio.run(run())


def _wait_started(server: uvicorn.Server, thread: threading.Thread, timeout: float) -> None:
    """Until uvicorn listens: short back-off, from 5 ms up to 50 ms."""
    deadline = time.monotonic() + timeout
    pause = 0.005
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def start_server(
    database_url: str,
    folder: Path,
    *,
    inbox: Inbox | None = None,
    engine: str = "sqlite",
    migrate: bool = True,
    clock: Callable[[], datetime] = utcnow,
    **settings: Any,
) -> LiveServer:
    """Serve ``database_url`` (migrated unless ``migrate`` is false) with an admin account.

    With an ``inbox`` the server's mail goes to it; ``clock`` is the server's time (a
    :class:`ShiftedClock` lets a test move it); ``settings`` override the rest.
    """
    port = free_port()
    if inbox is not None:
        settings = {"smtp_port": inbox.port, "mail_rate": 1000.0, **settings}
    config = Settings(
        database_url=database_url,
        base_url=f"http://127.0.0.1:{port}",
        secret_key_file=folder / "secret.key",
        cookie_secure=False,
        schedule_interval=0,
        **settings,
    )
    if migrate:
        upgrade(database_url)
    create_account(database_url)
    app = create_app(config, clock=clock, schedule=False)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    _wait_started(server, thread, timeout=30)
    (folder / "password").write_text(PASSWORD)
    (folder / "passphrase").write_text(PASSPHRASE)
    return LiveServer(config.base_url, config, server, thread, folder, inbox, engine)


def serve(settings: Settings) -> tuple[str, uvicorn.Server, threading.Thread]:
    """The app of ``settings`` over HTTP on a free port, for a database a test filled in
    its own event loop (no admin made, nothing migrated); its address, server and thread.
    The test stops it: ``server.should_exit = True``, then joins the thread."""
    port = free_port()
    config = settings.with_(base_url=f"http://127.0.0.1:{port}")
    app = create_app(config, schedule=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    _wait_started(server, thread, timeout=30)
    return config.base_url, server, thread


@contextlib.contextmanager
def engine_database(engine: str, folder: Path) -> Iterator[str]:
    """A new, empty database on ``engine`` for a whole module: what ``db_url`` gives one
    test (same rules: PostgreSQL skips locally when it is down, fails in CI)."""
    if engine == "sqlite":
        yield sqlite_url(folder / "live.sqlite3")
        return
    require(postgres.available(), "PostgreSQL at 127.0.0.1:5432 is not reachable")
    with postgres.database("ballot_live_") as name:
        yield postgres.async_url(name)


def open_election(live: LiveServer, definition: dict[str, Any], roll: str) -> str:
    """Define, key and open an election over HTTP; deliver invitations; collect the links."""
    assert live.inbox is not None, "open_election reads the invitations: start with an inbox"
    with Committee(live.base) as committee:
        election_id, _, _ = committee.open_election(definition, roll)
    before = len(live.inbox.messages)
    sent = live.deliver()
    assert sent == roll.strip().count("\n"), sent
    arrived = live.inbox.wait_for(before + sent)
    live.links.update(live.inbox.links(live.base, arrived[before:]))
    live.election_id = live.election_id or election_id
    return election_id
