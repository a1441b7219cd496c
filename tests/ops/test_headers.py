"""Security headers on every response, driven by the app's own route list.

Every (method, path) the app serves is called as an anonymous visitor and as a signed-in
admin, on an open election with a real key ceremony; then the answers Litestar gives
outside any handler (404, 405), static files, the OpenAPI schema and a genuine 500.
Each must carry the whole set of headers, and no route may answer 5xx to these calls.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.routes import ASGIRoute, HTTPRoute

from ballot.web import health
from ballot.web.security import CSP, HSTS
from tests.support.asgi import Web, client_for
from tests.support.elections import CastElection

STATIC = Path(__file__).parents[2] / "ballot" / "web" / "static"
EXPECTED_HEADERS = {
    "content-security-policy": CSP,
    "strict-transport-security": HSTS,
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "cross-origin-opener-policy": "same-origin",
}
_PARAM = re.compile(r"\{(\w+):\w+\}")


def served(app: Litestar) -> list[tuple[str, str]]:
    out = []
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            out += [
                (m, route.path) for m in route.route_handler_map if m not in ("HEAD", "OPTIONS")
            ]
        elif isinstance(route, ASGIRoute):  # bare ASGI handlers (the cast path)
            out.append(("POST", route.path))
    # Sign-out last so the admin stays signed in for the rest.
    return sorted(out, key=lambda mp: ("logout" in mp[1], mp))


def fill(template: str, election: CastElection) -> str:
    values = {
        "election_id": election.id,
        "member_id": "K001",
        "language": "es",
        "token": "no-such-token",
        "file_path": "ballot.css",
        "tracker": "0" * 64,
    }
    return _PARAM.sub(lambda m: values.get(m.group(1), "x"), template)


def missing_headers(response: object) -> dict[str, str | None]:
    headers = response.headers  # type: ignore[attr-defined]
    wrong = {k: headers.get(k) for k, v in EXPECTED_HEADERS.items() if headers.get(k) != v}
    if "permissions-policy" not in headers:
        wrong["permissions-policy"] = None
    return wrong


async def call(web: Web, method: str, path: str) -> object:
    if method == "GET":
        return await web.get(path)
    if path.startswith("/api/"):
        return await web.request(method, path, json={})
    return await web.request(method, path, data={"_csrf_token": await web.csrf()})


async def test_every_route_carries_the_headers_and_none_fails(
    app: Litestar, admin: Web, web: Web, cast_election: CastElection
) -> None:
    routes = served(app)
    assert ("GET", "/health/live") in routes and ("GET", "/api/schema/openapi.json") in routes
    problems = []
    for who, client in (("anonymous", web), ("admin", admin)):
        for method, template in routes:
            path = fill(template, cast_election)
            r = await call(client, method, path)
            if r.status_code >= 500 or missing_headers(r):  # type: ignore[attr-defined]
                problems.append((who, method, template, r.status_code, missing_headers(r)))  # type: ignore[attr-defined]
    assert problems == []


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/no/such/page", 404),
        ("GET", "/api/no-such-endpoint", 404),
        ("GET", "/static/no-such-file.css", 404),
        ("DELETE", "/login", 405),
        ("GET", "/static/ballot.css", 200),
        ("GET", "/static/js/vote.js", 200),
        ("GET", "/api/schema/openapi.json", 200),
        ("GET", "/health/live", 200),
    ],
)
async def test_answers_outside_handlers_carry_the_headers(
    web: Web, method: str, path: str, status: int
) -> None:
    r = await web.client.request(method, path)
    assert r.status_code == status
    assert missing_headers(r) == {}


async def test_a_server_error_carries_the_headers_and_no_detail(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_a: object, **_k: object) -> object:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(health, "readiness", broken)
    r = await web.get("/health/ready")
    assert r.status_code == 500
    assert missing_headers(r) == {}
    assert "secret internals" not in r.text


async def test_a_handler_header_is_kept(web: Web) -> None:
    """Handlers that set their own Cache-Control etc. keep them; ours are added beside."""
    r = await web.get("/v/no-such-token")
    assert r.headers["cache-control"] == "no-store"
    assert missing_headers(r) == {}


async def test_hsts_can_be_switched_off_for_plain_http_demos(settings: object) -> None:
    from ballot.web.app import create_app

    app = create_app(settings.with_(hsts=False), schedule=False)  # type: ignore[attr-defined]
    try:
        async with client_for(app) as client:
            r = await client.get("/health/live")
        assert "strict-transport-security" not in r.headers
        assert r.headers["x-frame-options"] == "DENY"
    finally:
        await app.state.engine.dispose()


async def test_the_voter_token_leaves_the_address_bar(
    web: Web, cast_election: CastElection
) -> None:
    """Every voter page loads vote.js, whose first act is replacing /v/<token> by /v/.

    (tests/cast/test_voter_browser.py watches it happen in Chromium.)
    """
    token = cast_election.links["K003"]
    for path in (f"/v/{token}", "/v/no-such-token", "/v/"):
        r = await web.get(path)
        assert '<script type="module" src="/static/js/vote.js"></script>' in r.text, path
        assert r.headers["referrer-policy"] == "no-referrer"
    script = (STATIC / "js" / "vote.js").read_text()
    take = script[script.index("function takeToken") :]
    assert 'history.replaceState(null, "", "/v/" + location.search)' in take
    # Taken before anything else runs (at a polling place the credential comes in the page
    # instead, never in the address).
    assert script.index("let token = device ? device.token : takeToken();") < script.index("main(")
