"""A real uvicorn server (thread, random port) on the test database, and trustee CLI runs against it.

Trustees run ``python -m ballot.cli trustee ...`` as separate processes, as on their
own laptops; secrets reach them through files (``--password-file``,
``--passphrase-file``), never the command line.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from cast.live import make_admin

from ballot.config import Settings
from ballot.migrations import upgrade
from ballot.web.app import create_app

PASSWORD = "correct horse battery"
PASSPHRASE = "trustee passphrase, long enough"
TRUSTEES = ("t1@example.org", "t2@example.org", "t3@example.org")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Live:
    base: str
    settings: Settings
    server: uvicorn.Server
    thread: threading.Thread
    folder: Path

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def start(db_url: str, folder: Path, **settings: Any) -> Live:
    port = free_port()
    config = Settings(
        database_url=db_url,
        base_url=f"http://127.0.0.1:{port}",
        secret_key_file=folder / "secret.key",
        cookie_secure=False,
        schedule_interval=0,
        **settings,
    )
    upgrade(db_url)
    asyncio.run(make_admin(db_url))
    app = create_app(config, schedule=False)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    (folder / "password").write_text(PASSWORD)
    (folder / "passphrase").write_text(PASSPHRASE)
    return Live(config.base_url, config, server, thread, folder)


class Admin:
    """The committee, over HTTP."""

    def __init__(self, base: str, email: str = "admin@example.org") -> None:
        self.http = httpx.Client(base_url=base, timeout=60)
        self.http.get("/login")
        self.post("/api/login", json={"email": email, "password": PASSWORD})

    def _headers(self) -> dict[str, str]:
        return {"x-csrftoken": self.http.cookies["csrftoken"]}

    def post(self, path: str, expect: Sequence[int] = (200, 201), **kw: Any) -> Any:
        r = self.http.post(path, headers=self._headers(), **kw)
        assert r.status_code in expect, (path, r.status_code, r.text)
        return r.json()

    def get(self, path: str) -> Any:
        r = self.http.get(path)
        assert r.status_code == 200, (path, r.text)
        return r.json()

    def close(self) -> None:
        self.http.close()


def ceremony_election(admin: Admin, definition: dict[str, Any], roll: str | None = None) -> str:
    """Create trustee accounts (if new), define the election, seat them, start the ceremony."""
    n = definition["trustees"]["n"]
    for email in TRUSTEES[:n]:
        admin.post(
            "/api/accounts",
            expect=(201, 400),
            json={"email": email, "name": email, "role": "trustee", "password": PASSWORD},
        )
    election_id = str(admin.post("/api/elections", json=definition)["id"])
    for position, email in enumerate(TRUSTEES[:n], start=1):
        admin.post(
            f"/api/elections/{election_id}/trustees", json={"email": email, "position": position}
        )
    if roll is not None:
        admin.post(f"/api/elections/{election_id}/roll", content=roll.encode())
    admin.post(f"/api/elections/{election_id}/state", json={"target": "key_ceremony"})
    return election_id


def trustee_cli(live: Live, *args: str) -> subprocess.Popen[str]:
    """Start ``ballot trustee ARGS`` as its own process (output captured)."""
    return subprocess.Popen(
        [sys.executable, "-m", "ballot.cli", "trustee", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "HOME": str(live.folder)},
    )


def ceremony_cli(
    live: Live, election_id: str, position: int, timeout: float = 240
) -> subprocess.Popen[str]:
    return trustee_cli(
        live,
        "ceremony",
        "--server",
        live.base,
        "--election",
        election_id,
        "--email",
        TRUSTEES[position - 1],
        "--password-file",
        str(live.folder / "password"),
        "--passphrase-file",
        str(live.folder / "passphrase"),
        "--state",
        str(live.folder / f"state{position}"),
        "--key-file",
        str(key_path(live, election_id, position)),
        "--timeout",
        str(timeout),
        "--poll-max",
        "0.5",
    )


def tally_cli(live: Live, election_id: str, position: int) -> subprocess.Popen[str]:
    return trustee_cli(
        live,
        "tally",
        "--server",
        live.base,
        "--election",
        election_id,
        "--email",
        TRUSTEES[position - 1],
        "--password-file",
        str(live.folder / "password"),
        "--passphrase-file",
        str(live.folder / "passphrase"),
        "--key-file",
        str(key_path(live, election_id, position)),
    )


def key_path(live: Live, election_id: str, position: int) -> Path:
    return live.folder / f"{election_id}-trustee{position}.key"


def finish(process: subprocess.Popen[str], timeout: float = 300) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err
