"""Fixtures for the trustee tool: the shared fixtures of ``tests.support`` plus a 2-of-3 election in its ceremony."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar

from ballot.store import tokens as token_store
from tests.support.asgi import Web, client_for, create_draft, make_account

TRUSTEES = ("t1@example.org", "t2@example.org", "t3@example.org")


@dataclass
class CeremonyElection:
    id: str
    manifest_hash: bytes
    trustees: list[Web]  # index 0 = trustee 1


async def seat_trustees(
    app: Litestar,
    admin: Web,
    election_id: str,
) -> None:
    for position, email in enumerate(TRUSTEES, start=1):
        await make_account(app, email, "trustee")
        r = await admin.post(
            f"/api/elections/{election_id}/trustees", json={"email": email, "position": position}
        )
        assert r.status_code == 201, r.text


@pytest.fixture
async def ceremony_election(
    app: Litestar,
    admin: Web,
) -> AsyncIterator[CeremonyElection]:
    """A 2-of-3 election with three seated trustees, signed in, in its key ceremony."""
    election_id = await create_draft(admin, trustees={"n": 3, "k": 2})
    await seat_trustees(app, admin, election_id)
    r = await admin.post(f"/api/elections/{election_id}/state", json={"target": "key_ceremony"})
    assert r.status_code == 200, r.text
    status = (await admin.get(f"/api/elections/{election_id}/ceremony/remote")).json()
    clients = []
    for email in TRUSTEES:
        w = Web(client_for(app))
        assert (await w.login(email)).status_code == 200
        clients.append(w)
    yield CeremonyElection(election_id, bytes.fromhex(status["manifest_hash"]), clients)
    for w in clients:
        await w.client.aclose()


@pytest.fixture
def issued(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """email -> clear voting token, captured in this process as the live server issues them."""
    seen: dict[str, str] = {}
    real = token_store.issue_tokens

    async def issue(*a: Any, **k: Any) -> Any:
        out = await real(*a, **k)
        seen.update({t.email: t.token for t in out})
        return out

    monkeypatch.setattr(token_store, "issue_tokens", issue)
    return seen
