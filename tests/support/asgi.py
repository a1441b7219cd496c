"""The app in this test's event loop: settings, a migrated database, browser-like clients.

``app`` serves a database cloned from the session's migrated template (see
``databases``); ``Web`` carries the CSRF token like a browser form; ``captured_tokens``
keeps each voter's clear token as it is issued (tests only; never stored).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import select

from ballot.config import Settings
from ballot.store import accounts
from ballot.store import tokens as token_store
from ballot.store.models import Voter
from ballot.web.app import create_app

from .accounts import PASSWORD

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
BASE = "http://testserver.local"


class FakeClock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Web:
    """A test client that carries the CSRF token on every unsafe request, like a browser form."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def csrf(self) -> str:
        if "csrftoken" not in self.client.cookies:
            await self.client.get("/login")
        return self.client.cookies["csrftoken"]

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        if method.upper() not in ("GET", "HEAD", "OPTIONS"):
            headers = dict(kwargs.pop("headers", {}) or {})
            headers.setdefault("x-csrftoken", await self.csrf())
            kwargs["headers"] = headers
        return await self.client.request(method, path, **kwargs)

    async def get(self, path: str, **kwargs: Any) -> Any:
        return await self.client.get(path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Any:
        return await self.request("POST", path, **kwargs)

    async def put(self, path: str, **kwargs: Any) -> Any:
        return await self.request("PUT", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> Any:
        return await self.request("DELETE", path, **kwargs)

    async def login(self, email: str, password: str = PASSWORD, totp: str | None = None) -> Any:
        return await self.post(
            "/api/login", json={"email": email, "password": password, "totp": totp}
        )


async def make_account(app: Litestar, email: str, role: str, name: str | None = None) -> None:
    async with app.state.session_factory() as db:
        await accounts.create_account(
            db,
            email=email,
            name=name or email.split("@")[0],
            role=role,
            password=PASSWORD,
            now=app.state.clock(),
        )
        await db.commit()


def definition(**overrides: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "kind": "recognition",
        "title": {"en": "Recognition vote", "es": "Votación de reconocimiento"},
        "instructions": {"en": "Choose one.", "es": "Elija una."},
        "opens_at": "2026-05-02T09:00:00Z",
        "closes_at": "2026-05-09T17:00:00Z",
        "rule": "majority",
        "trustees": {"n": 1, "k": 1},
        "questions": [
            {
                "text": {"en": "Do you want the union?", "es": "¿Quiere el sindicato?"},
                "min": 1,
                "max": 1,
                "options": [{"en": "Yes", "es": "Sí"}, {"en": "No", "es": "No"}],
            }
        ],
    }
    d.update(overrides)
    return d


ROLL = """member_id,name,email,language,unit,challenged
M001,Ana Lopez,ana@example.org,es,North,
M002,Ben Carter,ben@example.org,en,North,
M003,Chen Wei,chen@example.org,en,South,
M004,Dolores Ruiz,dolores@example.org,es,South,
M005,Ed Park,ed@example.org,en,South,yes
M006,Fay Green,fay@example.org,en,East,
"""


async def record_local_transcript(admin: Web, election_id: str, k: int = 1, n: int = 1) -> Any:
    """Run a key ceremony here (as trustees would) and post its public transcript."""
    from ballot.crypto.ceremony import local_ceremony

    digest = (await admin.get(f"/api/elections/{election_id}/ceremony")).json()["manifest_hash"]
    transcript, _secrets = local_ceremony(k, n, bytes.fromhex(digest))
    return await admin.post(f"/api/elections/{election_id}/ceremony/transcript", json=transcript)


@dataclass
class OpenElection:
    id: str
    links: dict[str, str] = field(default_factory=dict)


async def create_draft(admin: Web, **overrides: Any) -> str:
    r = await admin.post("/api/elections", json=definition(**overrides))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def make_ready(admin: Web, election_id: str, roll: str = ROLL) -> None:
    """Import the roll, start the ceremony, record a transcript, move to ready."""
    r = await admin.post(f"/api/elections/{election_id}/roll", content=roll.encode())
    assert r.status_code == 200, r.text
    r = await admin.post(f"/api/elections/{election_id}/state", json={"target": "key_ceremony"})
    assert r.status_code == 200, r.text
    r = await record_local_transcript(admin, election_id)
    assert r.status_code == 200, r.text
    r = await admin.post(f"/api/elections/{election_id}/state", json={"target": "ready"})
    assert r.status_code == 200, r.text


async def member_links(app: Litestar, election_id: str, captured: dict[int, str]) -> dict[str, str]:
    """member id -> current clear token, from tokens captured at issue time."""
    async with app.state.session_factory() as db:
        rows = (
            await db.execute(
                select(Voter.id, Voter.member_id).where(Voter.election_id == election_id)
            )
        ).all()
    return {member: captured[vid] for vid, member in rows if vid in captured}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def settings_for(database_url: str, folder: Path) -> Settings:
    """The app's settings in tests: this database, a secret file in ``folder``, plain HTTP."""
    return Settings(
        database_url=database_url,
        base_url=BASE,
        secret_key_file=folder / "secret.key",
        cookie_secure=False,
        schedule_interval=0,
    )


@pytest.fixture
def settings(migrated_db_url: str, tmp_path: Path) -> Settings:
    """Settings on a migrated database (a copy of the session's template)."""
    return settings_for(migrated_db_url, tmp_path)


@pytest.fixture
def unmigrated_settings(db_url: str, tmp_path: Path) -> Settings:
    """Settings on an empty database, for tests of what migrating changes."""
    return settings_for(db_url, tmp_path)


@pytest.fixture
async def app(settings: Settings, clock: FakeClock) -> AsyncIterator[Litestar]:
    application = create_app(settings, clock=clock, schedule=False)  # the database is migrated
    yield application
    # As the app's own shutdown does (no lifespan runs here): the cast queue gives its
    # held connections back before the pool closes, so no aiosqlite thread outlives the loop.
    queue = application.state.get("cast_queue")
    if queue is not None:
        await queue.close()
    await application.state.engine.dispose()


def client_for(app: Litestar) -> httpx.AsyncClient:
    """An httpx client on the app in this test's event loop (no lifespan: no scheduler)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)  # type: ignore[arg-type]


@pytest.fixture
async def web(app: Litestar) -> AsyncIterator[Web]:
    """An anonymous browser."""
    async with client_for(app) as client:
        yield Web(client)


@pytest.fixture
async def admin(app: Litestar) -> AsyncIterator[Web]:
    """A browser signed in as a committee admin (admin@example.org)."""
    await make_account(app, "admin@example.org", "admin")
    async with client_for(app) as client:
        w = Web(client)
        assert (await w.login("admin@example.org")).status_code == 200
        yield w


@pytest.fixture
def captured_tokens(monkeypatch: pytest.MonkeyPatch) -> dict[int, str]:
    """voter id -> clear token, captured as tokens are issued (tests only; never stored)."""
    seen: dict[int, str] = {}
    real_issue, real_reissue = token_store.issue_tokens, token_store.reissue_token

    async def issue(*a: Any, **k: Any) -> Any:
        out = await real_issue(*a, **k)
        seen.update({t.voter_id: t.token for t in out})
        return out

    async def reissue(*a: Any, **k: Any) -> Any:
        t = await real_reissue(*a, **k)
        seen[t.voter_id] = t.token
        return t

    monkeypatch.setattr(token_store, "issue_tokens", issue)
    monkeypatch.setattr(token_store, "reissue_token", reissue)
    return seen
