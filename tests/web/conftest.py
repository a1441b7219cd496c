"""``open_election``: the HTTP tests' starting point (the app, clients and accounts come
from the ``tests.support`` plugin).

An election with English and Spanish texts, a six-member roll (one challenged), a
recorded ceremony transcript, opened; its ``links`` map member id -> one-time token
(captured when the tokens were issued; ``captured_tokens`` keeps following reissues).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar import Litestar

from tests.support.asgi import (
    OpenElection,
    Web,
    client_for,
    create_draft,
    make_account,
    make_ready,
    member_links,
)

__all__ = ["client_for", "open_election"]


@pytest.fixture
async def open_election(app: Litestar, admin: Web, captured_tokens: dict[int, str]) -> OpenElection:
    election_id = await create_draft(admin)
    await make_ready(admin, election_id)
    r = await admin.post(f"/api/elections/{election_id}/state", json={"target": "open"})
    assert r.status_code == 200, r.text
    return OpenElection(election_id, await member_links(app, election_id, captured_tokens))


@pytest.fixture
async def observer_names(app: Litestar, admin: Web) -> AsyncIterator[Web]:
    """An observer account (names@example.org) that follows no election yet."""
    await make_account(app, "names@example.org", "observer")
    async with client_for(app) as client:
        w = Web(client)
        assert (await w.login("names@example.org")).status_code == 200
        yield w
