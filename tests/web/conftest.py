"""Fixtures for HTTP tests: an app on a migrated database, signed-in clients, an open election.

``open_election`` is the starting point for the casting tests: an election with
English and Spanish texts, a six-member roll (one challenged), a recorded ceremony
transcript, opened; its ``links`` map member id -> one-time token (captured when the
tokens were issued; ``captured_tokens`` keeps following reissues).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar

from ballot.config import Settings
from ballot.migrations import upgrade_engine
from ballot.store import tokens as token_store
from ballot.web.app import create_app

from .helpers import (
    BASE,
    FakeClock,
    OpenElection,
    Web,
    create_draft,
    make_account,
    make_ready,
    member_links,
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db_url,
        base_url=BASE,
        secret_key_file=tmp_path / "secret.key",
        cookie_secure=False,
        schedule_interval=0,
    )


@pytest.fixture
async def app(settings: Settings, clock: FakeClock) -> AsyncIterator[Litestar]:
    application = create_app(settings, clock=clock, schedule=False)
    await upgrade_engine(application.state.engine)
    yield application
    await application.state.engine.dispose()


def client_for(app: Litestar) -> httpx.AsyncClient:
    """An httpx client on the app in this test's event loop (no lifespan: no scheduler)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)


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


@pytest.fixture
async def open_election(app: Litestar, admin: Web, captured_tokens: dict[int, str]) -> OpenElection:
    election_id = await create_draft(admin)
    await make_ready(admin, election_id)
    r = await admin.post(f"/api/elections/{election_id}/state", json={"target": "open"})
    assert r.status_code == 200, r.text
    return OpenElection(election_id, await member_links(app, election_id, captured_tokens))
