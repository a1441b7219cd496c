"""Committee sign-in: CSRF on every form, throttling, TOTP, cookie flags."""

from __future__ import annotations

import httpx
import pyotp
from litestar import Litestar

from ballot.config import Settings
from ballot.web.app import create_app

from .helpers import PASSWORD, FakeClock, Web, definition, make_account


async def test_post_without_csrf_token_is_refused(app: Litestar, admin: Web) -> None:
    r = await admin.client.post("/api/elections", json=definition())
    assert r.status_code == 403 and "CSRF" in r.text
    r = await admin.client.post(
        "/api/elections", json=definition(), headers={"x-csrftoken": "forged"}
    )
    assert r.status_code == 403
    assert (await admin.get("/api/elections")).json() == []
    # The same request with the token goes through.
    assert (await admin.post("/api/elections", json=definition())).status_code == 201


async def test_login_form_needs_the_csrf_field(app: Litestar, web: Web) -> None:
    await make_account(app, "obs@example.org", "observer")
    page = await web.get("/login")
    assert 'name="_csrf_token"' in page.text
    form = {"email": "obs@example.org", "password": PASSWORD}
    r = await web.client.post("/login", data=form)
    assert r.status_code == 403
    r = await web.client.post(
        "/login", data={**form, "_csrf_token": web.client.cookies["csrftoken"]}
    )
    assert r.status_code == 303 and r.headers["location"] == "/committee"
    assert (await web.get("/committee")).status_code == 200


async def test_wrong_password_then_throttled_per_account(
    app: Litestar, web: Web, clock: FakeClock
) -> None:
    await make_account(app, "admin@example.org", "admin")
    for _ in range(5):
        r = await web.login("admin@example.org", "wrong password!")
        assert r.status_code == 401
    r = await web.login("admin@example.org")  # right password, but too late
    assert r.status_code == 429 and "15 minutes" in r.json()["error"]
    clock.advance(minutes=16)
    assert (await web.login("admin@example.org")).status_code == 200


async def test_throttled_per_address_across_accounts(app: Litestar, web: Web) -> None:
    await make_account(app, "obs@example.org", "observer")
    for i in range(5):
        assert (await web.login(f"guess{i}@example.org", "nope nope nope")).status_code == 401
    r = await web.login("obs@example.org")
    assert r.status_code == 429


async def test_throttled_login_form_says_why(app: Litestar, web: Web) -> None:
    await make_account(app, "obs@example.org", "observer")
    token = await web.csrf()
    for _ in range(5):
        await web.client.post(
            "/login", data={"email": "obs@example.org", "password": "x", "_csrf_token": token}
        )
    r = await web.client.post(
        "/login", data={"email": "obs@example.org", "password": PASSWORD, "_csrf_token": token}
    )
    assert r.status_code == 429 and "Too many failed sign-ins" in r.text


async def test_totp_second_factor(app: Litestar, admin: Web, clock: FakeClock) -> None:
    r = await admin.post("/api/account/totp", json={"password": PASSWORD})
    secret = r.json()["secret"]
    assert r.json()["uri"].startswith("otpauth://totp/")
    assert (
        await admin.post("/api/account/totp/confirm", json={"code": "000000"})
    ).status_code == 400
    code = pyotp.TOTP(secret).at(clock())
    assert (await admin.post("/api/account/totp/confirm", json={"code": code})).status_code == 200
    assert (await admin.get("/api/me")).json()["totp"] is True
    assert (await admin.post("/api/logout")).status_code == 200
    assert (await admin.get("/api/me")).status_code == 401

    r = await admin.login("admin@example.org")
    assert r.status_code == 401 and r.json()["reason"] == "totp_required"
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    r = await admin.login("admin@example.org", totp=wrong)
    assert r.status_code == 401 and r.json()["reason"] == "bad_totp"
    clock.advance(seconds=30)  # the code used to confirm is spent: sign in with the next
    r = await admin.login("admin@example.org", totp=pyotp.TOTP(secret).at(clock()))
    assert r.status_code == 200
    assert (await admin.get("/api/me")).json()["email"] == "admin@example.org"


async def test_session_cookie_flags(settings: Settings, clock: FakeClock) -> None:
    """Over TLS the session and CSRF cookies are ``__Host-`` cookies, and every cookie is
    Secure; the session works under its prefixed name."""
    from ballot.migrations import upgrade_engine

    secure_app = create_app(settings.with_(cookie_secure=True), clock=clock, schedule=False)
    await upgrade_engine(secure_app.state.engine)
    try:
        await make_account(secure_app, "admin@example.org", "admin")
        transport = httpx.ASGITransport(app=secure_app)
        async with httpx.AsyncClient(
            transport=transport, base_url="https://testserver.local"
        ) as client:
            page = await client.get("/login")
            csrf = next(c for c in page.headers.get_list("set-cookie") if "csrftoken=" in c)
            assert csrf.startswith("__Host-csrftoken=") and "Path=/" in csrf
            assert "secure" in csrf.lower() and "domain" not in csrf.lower()
            r = await client.post(
                "/api/login",
                json={"email": "admin@example.org", "password": PASSWORD},
                headers={"x-csrftoken": client.cookies["__Host-csrftoken"]},
            )
            assert r.status_code == 200, r.text
            cookie = next(
                c
                for c in r.headers.get_list("set-cookie")
                if c.startswith("__Host-ballot_session=")
            )
            lowered = cookie.lower()
            assert "httponly" in lowered and "samesite=lax" in lowered and "secure" in lowered
            assert "path=/" in lowered and "domain" not in lowered
            assert "ballot_session" not in client.cookies
            r = await client.post(
                "/api/elections",
                json=definition(),
                headers={"x-csrftoken": client.cookies["__Host-csrftoken"]},
            )
            assert r.status_code == 201, r.text
    finally:
        await secure_app.state.engine.dispose()


async def test_plain_http_demo_keeps_the_plain_csrf_cookie_name(web: Web) -> None:
    page = await web.get("/login")
    assert any(c.startswith("csrftoken=") for c in page.headers.get_list("set-cookie"))


async def test_the_csrf_token_is_bound_to_the_session(app: Litestar, web: Web) -> None:
    """A token that is not this session's is refused even when cookie and header agree
    (a cookie planted by a sibling domain); signing in changes the token."""
    await make_account(app, "admin@example.org", "admin")
    before = await web.csrf()
    assert (await web.login("admin@example.org")).status_code == 200
    after = await web.csrf()
    assert after != before
    # Another browser's valid (signed, session-free) token, planted in this one.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=web.client.base_url
    ) as other:
        await other.get("/login")
        planted = other.cookies["csrftoken"]
    web.client.cookies.set("csrftoken", planted, domain="testserver.local")
    r = await web.client.post("/api/elections", json=definition(), headers={"x-csrftoken": planted})
    assert r.status_code == 403 and "session" in r.json()["error"]
    # The pre-sign-in token is no better.
    web.client.cookies.set("csrftoken", before, domain="testserver.local")
    r = await web.client.post("/api/elections", json=definition(), headers={"x-csrftoken": before})
    assert r.status_code == 403
    # A page load hands this session's token back, and it works.
    page = await web.get("/committee")
    assert after in page.text
    assert web.client.cookies["csrftoken"] == after
    assert (await web.post("/api/elections", json=definition())).status_code == 201
    assert len((await web.get("/api/elections")).json()) == 1


async def test_secret_key_file_is_private(settings: Settings, app: Litestar) -> None:
    mode = settings.secret_key_file.stat().st_mode & 0o777
    assert mode == 0o600
