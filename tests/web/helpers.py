"""Helpers for HTTP tests: a CSRF-carrying client, accounts, election set-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from litestar import Litestar
from sqlalchemy import select

from ballot.store import accounts
from ballot.store.models import Voter

PASSWORD = "correct horse battery"
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
