"""A real uvicorn server on 127.0.0.1 (random port) with an open election, for browser tests.

The election is set up through the HTTP API like a committee would (sign in, define,
import the roll, key ceremony, open); invitations go through the real mail worker to an
aiosmtpd sink, so tests take each voter's link from their inbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from conftest import PG_ADMIN_DSN, _pg_available, _pg_execute, require

from ballot.config import Settings
from ballot.crypto.ceremony import local_ceremony
from ballot.mail.sink import MailSink
from ballot.mail.worker import run_worker
from ballot.migrations import upgrade
from ballot.store import accounts
from ballot.store.db import make_engine, make_session_factory
from ballot.store.types import utcnow
from ballot.web.app import create_app

PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    base: str
    settings: Settings
    server: uvicorn.Server
    thread: threading.Thread
    sink: MailSink
    engine: str = "sqlite"
    election_id: str = ""
    links: dict[str, str] = field(default_factory=dict)  # email -> voting link

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sink.stop()


async def make_admin(url: str) -> None:
    """The committee admin every live test signs in as (admin@example.org)."""
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as db:
            await accounts.create_account(
                db,
                email="admin@example.org",
                name="admin",
                role="admin",
                password=PASSWORD,
                now=utcnow(),
            )
            await db.commit()
    finally:
        await engine.dispose()


async def _deliver(settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    try:
        return await run_worker(make_session_factory(engine), settings, once=True)
    finally:
        await engine.dispose()


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


@contextlib.contextmanager
def engine_database(engine: str, folder: Path) -> Iterator[str]:
    """A new, empty database on ``engine`` for a whole module: what ``db_url`` gives one
    test (same rules: PostgreSQL skips locally when it is down, fails in CI)."""
    if engine == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / 'live.sqlite3'}"
        return
    require(_pg_available(), "PostgreSQL at 127.0.0.1:5432 is not reachable")
    name = "ballot_live_" + secrets.token_hex(6)
    _pg_execute(f'CREATE DATABASE "{name}"')
    try:
        base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        yield f"{base}/{name}"
    finally:
        _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_server(
    folder: Path, database_url: str | None = None, engine: str = "sqlite"
) -> LiveServer:
    """Serve a fresh database (``database_url``: empty; default: a new SQLite file)."""
    port = free_port()
    sink = MailSink().start()
    settings = Settings(
        database_url=database_url or f"sqlite+aiosqlite:///{folder / 'live.sqlite3'}",
        base_url=f"http://127.0.0.1:{port}",
        secret_key_file=folder / "secret.key",
        cookie_secure=False,
        schedule_interval=0,
        smtp_port=sink.port,
        mail_rate=1000.0,
    )
    upgrade(settings.database_url)
    asyncio.run(make_admin(settings.database_url))
    app = create_app(settings, schedule=False)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    return LiveServer(settings.base_url, settings, server, thread, sink, engine)


def open_election(live: LiveServer, definition: dict[str, Any], roll: str) -> str:
    """Define, key and open an election over HTTP; deliver invitations; collect the links."""
    with httpx.Client(base_url=live.base, timeout=30) as http:
        http.get("/login")
        headers = {"x-csrftoken": http.cookies["csrftoken"]}

        def post(path: str, **kw: Any) -> Any:
            r = http.post(path, headers=headers, **kw)
            assert r.status_code in (200, 201), (path, r.text)
            return r.json()

        post("/api/login", json={"email": "admin@example.org", "password": PASSWORD})
        headers = {"x-csrftoken": http.cookies["csrftoken"]}
        election_id = post("/api/elections", json=definition)["id"]
        post(f"/api/elections/{election_id}/roll", content=roll.encode())
        post(f"/api/elections/{election_id}/state", json={"target": "key_ceremony"})
        digest = bytes.fromhex(
            http.get(f"/api/elections/{election_id}/ceremony").json()["manifest_hash"]
        )
        transcript, _ = local_ceremony(1, 1, digest)
        post(
            f"/api/elections/{election_id}/ceremony/transcript",
            json=json.loads(json.dumps(transcript)),
        )
        post(f"/api/elections/{election_id}/state", json={"target": "ready"})
        post(f"/api/elections/{election_id}/state", json={"target": "open"})
    before = len(live.sink.messages)
    sent = asyncio.run(_deliver(live.settings))
    assert sent == roll.strip().count("\n"), sent
    pattern = re.compile(re.escape(live.base) + r"/v/[A-Za-z0-9_\-]+")
    for message in live.sink.messages[before:]:
        found = pattern.search(_text(message))
        assert found is not None, _text(message)
        live.links[str(message["To"]).strip("<>")] = found.group(0)
    live.election_id = live.election_id or election_id
    return str(election_id)
