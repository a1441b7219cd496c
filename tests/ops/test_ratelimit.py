"""Rate limits per client address: token look-ups and sign-ins answer 429 with Retry-After
once past the limit, other addresses and other routes are unaffected, and the window
slides so the limit resets on its own."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar

from ballot.config import Settings
from ballot.web.ratelimit import RateLimits, SlidingWindow, limit_kind
from tests.support.accounts import PASSWORD
from tests.support.asgi import BASE, make_account

from .conftest import Ticker


def test_the_window_counts_and_slides() -> None:
    t = Ticker()
    w = SlidingWindow(limit=3, window=60, clock=t)
    assert [w.hit("a") for _ in range(3)] == [None, None, None]
    assert w.hit("a") == pytest.approx(60)
    assert w.hit("b") is None  # another address has its own window
    t.advance(30)
    assert w.hit("a") == pytest.approx(30)  # refused hits are not counted
    t.advance(30)
    assert w.hit("a") is None  # the oldest hits left the window
    assert w.hit("a") is None and w.hit("a") is None
    assert w.hit("a") is not None


def test_zero_means_no_limit_and_memory_is_bounded() -> None:
    assert all(SlidingWindow(0, 60).hit("a") is None for _ in range(1000))
    w = SlidingWindow(1, 60, max_keys=100)
    for i in range(1000):
        w.hit(f"10.0.{i // 256}.{i % 256}")
    assert len(w._hits) == 100


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("GET", "/v/abc", "token"),
        ("GET", "/v/", None),
        ("POST", "/api/cast", "token"),
        ("POST", "/api/audited-ballots", "token"),
        ("POST", "/api/elections/e1/audit-check", "token"),
        ("POST", "/login", "login"),
        ("POST", "/api/login", "login"),
        ("GET", "/login", None),
        ("GET", "/api/elections/e1/board", None),
    ],
)
def test_which_routes_are_limited(method: str, path: str, kind: str | None) -> None:
    assert limit_kind(method, path) == kind


def client(app: Litestar, address: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(address, 40000)), base_url=BASE
    )


@pytest.fixture
async def limited(app: Litestar, settings: Settings, ticker: Ticker) -> AsyncIterator[Litestar]:
    app.state.rate_limits = RateLimits.from_settings(
        settings.with_(token_rate=3, login_rate=2, rate_window=60), clock=ticker
    )
    yield app


async def test_token_lookups_are_limited_per_address_and_reset(
    limited: Litestar, ticker: Ticker
) -> None:
    async with client(limited, "203.0.113.7") as one, client(limited, "203.0.113.8") as two:
        for _ in range(3):
            assert (await one.get("/v/no-such-token")).status_code == 404
        r = await one.get("/v/another-token")
        assert r.status_code == 429
        assert r.headers["retry-after"] == "60"
        assert r.headers["x-frame-options"] == "DENY"  # security headers on 429 too
        assert "another-token" not in r.text
        # Casting counts against the same limit, and answers JSON.
        r = await one.post("/api/cast", json={"token": "t", "ballot": {}})
        assert r.status_code == 429 and "try again" in r.json()["error"]
        # Another address, and unlimited routes, are unaffected.
        assert (await two.get("/v/no-such-token")).status_code == 404
        assert (await one.get("/health/live")).status_code == 200
        ticker.advance(59)
        assert (await one.get("/v/no-such-token")).status_code == 429
        ticker.advance(1)
        assert (await one.get("/v/no-such-token")).status_code == 404


async def test_sign_ins_are_limited_per_address(limited: Litestar, ticker: Ticker) -> None:
    await make_account(limited, "admin@example.org", "admin")
    async with client(limited, "198.51.100.1") as c:
        await c.get("/login")
        headers = {"x-csrftoken": c.cookies["csrftoken"]}
        wrong = {"email": "admin@example.org", "password": "wrong password"}
        for _ in range(2):
            r = await c.post("/api/login", json=wrong, headers=headers)
            assert r.status_code == 401
        r = await c.post("/api/login", json={**wrong, "password": PASSWORD}, headers=headers)
        assert r.status_code == 429 and r.headers["retry-after"] == "60"
        r = await c.post("/login", data={**wrong, "_csrf_token": headers["x-csrftoken"]})
        assert r.status_code == 429 and "Too many requests" in r.text
        ticker.advance(60)
        r = await c.post("/api/login", json={**wrong, "password": PASSWORD}, headers=headers)
        assert r.status_code == 200
