"""Sign-in under attack (issue 11, items 1-3), on SQLite and PostgreSQL.

* Concurrent wrong passwords never get more than the limit checked, even spread over
  two app instances (two worker processes) on one database.
* A stranger cannot lock a committee member out: throttles are per account *and*
  address, and once an account's budget over all addresses is spent, a member with a
  second factor still gets in.
* A two-factor code is accepted once; changing the second factor asks for the password
  and the current code.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pyotp
import pytest
from litestar import Litestar

from ballot.config import Settings
from ballot.migrations import upgrade_engine
from ballot.store import accounts
from ballot.store.throttle import ACCOUNT_LIMIT, PAIR_LIMIT
from ballot.web.app import create_app

from .helpers import BASE, PASSWORD, FakeClock, Web, make_account

EMAIL = "admin@example.org"


@pytest.fixture
async def apps(settings: Settings, clock: FakeClock) -> AsyncIterator[list[Litestar]]:
    """Two app instances (two workers) on one database, without the in-process limiter."""
    quiet = settings.with_(login_rate=0)
    made = [create_app(quiet, clock=clock, schedule=False) for _ in range(2)]
    await upgrade_engine(made[0].state.engine)
    await make_account(made[0], EMAIL, "admin")
    yield made
    for app in made:
        await app.state.engine.dispose()


def browser(app: Litestar, address: str = "127.0.0.1") -> Web:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return Web(httpx.AsyncClient(transport=transport, base_url=BASE))


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password actually checked (Argon2 run), in order."""
    seen: list[str] = []
    real = accounts.check_password

    def counting(stored: str, password: str) -> bool:
        seen.append(password)
        return real(stored, password)

    monkeypatch.setattr(accounts, "check_password", counting)
    return seen


async def test_concurrent_wrong_passwords_never_pass_the_limit(
    apps: list[Litestar], checks: list[str]
) -> None:
    clients = [browser(app) for app in apps]
    for web in clients:
        await web.csrf()

    async def guess(i: int) -> int:
        r = await clients[i % 2].login(EMAIL, f"guess number {i}")
        return int(r.status_code)

    statuses = await asyncio.gather(*(guess(i) for i in range(40)))
    assert len(checks) <= PAIR_LIMIT, len(checks)
    assert statuses.count(401) == len(checks) and statuses.count(429) == 40 - len(checks)
    assert 500 not in statuses
    for web in clients:
        await web.client.aclose()


async def test_a_stranger_cannot_lock_a_member_out(
    apps: list[Litestar], checks: list[str], clock: FakeClock
) -> None:
    stranger, member = browser(apps[0], "198.51.100.7"), browser(apps[1], "203.0.113.5")
    for _ in range(PAIR_LIMIT + 3):
        await stranger.login(EMAIL, "not the password")
    assert (await stranger.login(EMAIL)).status_code == 429
    assert (await member.login(EMAIL)).status_code == 200
    # The stranger's lock grows: after the first window it is locked again at once,
    # and the second lock lasts two windows.
    clock.advance(minutes=16)
    for _ in range(PAIR_LIMIT):
        await stranger.login(EMAIL, "not the password")
    clock.advance(minutes=16)
    assert (await stranger.login(EMAIL)).status_code == 429
    clock.advance(minutes=15)
    assert (await stranger.login(EMAIL)).status_code == 200


async def test_a_spent_account_budget_still_lets_a_second_factor_in(
    apps: list[Litestar], clock: FakeClock
) -> None:
    member = browser(apps[0], "203.0.113.5")
    assert (await member.login(EMAIL)).status_code == 200
    secret = (await member.post("/api/account/totp", json={"password": PASSWORD})).json()["secret"]
    code = pyotp.TOTP(secret).at(clock())
    assert (await member.post("/api/account/totp/confirm", json={"code": code})).status_code == 200
    await member.post("/api/logout")
    # Strangers on many addresses spend the account's budget.
    for i in range(ACCOUNT_LIMIT):
        stranger = browser(apps[1], f"198.51.100.{i // 4 + 1}")
        r = await stranger.login(EMAIL, "not the password")
        assert r.status_code == 401
    other = browser(apps[1], "192.0.2.99")
    assert (await other.login(EMAIL)).status_code == 429  # password alone: refused unchecked
    clock.advance(seconds=30)
    r = await member.login(EMAIL, totp=pyotp.TOTP(secret).at(clock()))
    assert r.status_code == 200, r.text


async def test_a_code_is_accepted_once(apps: list[Litestar], clock: FakeClock) -> None:
    web = browser(apps[0])
    assert (await web.login(EMAIL)).status_code == 200
    secret = (await web.post("/api/account/totp", json={"password": PASSWORD})).json()["secret"]
    code = pyotp.TOTP(secret).at(clock())
    assert (await web.post("/api/account/totp/confirm", json={"code": code})).status_code == 200
    await web.post("/api/logout")
    r = await web.login(EMAIL, totp=code)  # the confirming code, again
    assert r.status_code == 401 and r.json()["reason"] == "bad_totp"
    clock.advance(seconds=30)
    code = pyotp.TOTP(secret).at(clock())
    assert (await web.login(EMAIL, totp=code)).status_code == 200
    await web.post("/api/logout")
    clock.advance(seconds=20)  # still within the accepted drift of that step
    r = await web.login(EMAIL, totp=code)
    assert r.status_code == 401 and r.json()["reason"] == "bad_totp"
    # Two sign-ins racing with one fresh code: one wins.
    clock.advance(seconds=40)
    code = pyotp.TOTP(secret).at(clock())
    racers = [browser(apps[0], "203.0.113.1"), browser(apps[1], "203.0.113.2")]
    for racer in racers:
        await racer.csrf()
    results: list[Any] = await asyncio.gather(*(r.login(EMAIL, totp=code) for r in racers))
    assert sorted(r.status_code for r in results) == [200, 401]


async def test_changing_the_second_factor_asks_for_password_and_code(
    apps: list[Litestar], clock: FakeClock
) -> None:
    web = browser(apps[0])
    assert (await web.login(EMAIL)).status_code == 200
    assert (await web.post("/api/account/totp", json={})).status_code == 400
    r = await web.post("/api/account/totp", json={"password": "not the password"})
    assert r.status_code == 403
    secret = (await web.post("/api/account/totp", json={"password": PASSWORD})).json()["secret"]
    code = pyotp.TOTP(secret).at(clock())
    assert (await web.post("/api/account/totp/confirm", json={"code": code})).status_code == 200
    # A live session with the password but without the current code cannot replace it.
    r = await web.post("/api/account/totp", json={"password": PASSWORD})
    assert r.status_code == 403 and "code" in r.json()["error"]
    clock.advance(seconds=30)
    fresh = pyotp.TOTP(secret).at(clock())
    r = await web.post("/api/account/totp", json={"password": PASSWORD, "code": fresh})
    assert r.status_code == 200 and r.json()["secret"] != secret
