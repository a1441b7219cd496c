"""Response headers on every response (a strict CSP, HSTS, no referrer, no framing, no
sniffing), and CSRF tokens bound to the session under a ``__Host-`` cookie over TLS.

They are added in a ``before_send`` hook, which sees every ``http.response.start`` the
app sends: pages, the JSON API, static files, the OpenAPI schema, and also the 404s,
405s and 500s that Litestar answers before or after any handler (an ``after_request``
hook would miss those).  A handler that sets one of these headers itself keeps its own.

Why each one:

* ``Content-Security-Policy``: no third-party asset is used anywhere and no page has
  inline script or style (data travels in ``type="application/json"`` blocks), so
  ``default-src 'self'`` costs nothing and turns an HTML injection into inert text;
  ``frame-ancestors 'none'`` stops click-jacking of the ballot and committee forms.
* ``Referrer-Policy: no-referrer``: the voter page's URL carries the one-time token.
* ``Strict-Transport-Security``: a voter who once reached the site over HTTPS is never
  downgraded to plain HTTP on a hostile network (switched off for plain-HTTP demos).
* ``Cross-Origin-Opener-Policy``/``Resource-Policy``: no other site can keep a handle
  on a voting window or embed our responses.
* ``Permissions-Policy``: the service needs no camera, microphone, location, payment…
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.types import ASGIApp, Message, Scope

from ballot.web.auth import session_cookie_name

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-src 'none'; frame-ancestors 'none'; form-action 'self'"
)
HSTS = "max-age=63072000; includeSubDomains"
PERMISSIONS = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)

#: Header name -> value, sent on every response unless the handler set its own.
HEADERS: dict[str, str] = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS,
}


def headers_for(hsts: bool) -> dict[str, str]:
    """The headers to add; HSTS only when the deployment is served over HTTPS."""
    return {**HEADERS, "Strict-Transport-Security": HSTS} if hsts else dict(HEADERS)


def security_headers_hook(hsts: bool = True):  # type: ignore[no-untyped-def]
    """A ``before_send`` hook adding :data:`HEADERS` (and HSTS) to every HTTP response."""
    wanted = headers_for(hsts)

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        message.setdefault("headers", [])
        headers = MutableScopeHeaders.from_message(message)
        for name, value in wanted.items():
            if name not in headers:
                headers.add(name, value)

    return add_headers


# -- CSRF tokens bound to the session --------------------------------------------------

#: The CSRF cookie's name: ``__Host-`` (Secure, Path=/, no Domain: no sibling or parent
#: domain can plant or overwrite it) whenever cookies are Secure, i.e. over TLS; a
#: plain-HTTP demo on localhost cannot use the prefix, browsers would drop the cookie.
CSRF_COOKIE_TLS = "__Host-csrftoken"
CSRF_COOKIE_PLAIN = "csrftoken"
SESSION_BOUND = b"ballot csrf token of session "
_SAFE = ("GET", "HEAD", "OPTIONS", "TRACE")


def csrf_cookie_name(secure: bool) -> str:
    return CSRF_COOKIE_TLS if secure else CSRF_COOKIE_PLAIN


def bound_csrf_token(secret: str, session_id: str) -> str:
    """The one CSRF token valid with this session, in Litestar's signed-token format.

    Litestar's double-submit check only compares the submitted token with the cookie;
    a cookie planted by an attacker (a sibling sub-domain, a plain-HTTP response) would
    pass it.  Derived from the session id with the server key, the token cannot be
    planted without knowing the victim's session, and it changes at every sign-in.
    """
    nonce = hmac.new(secret.encode(), SESSION_BOUND + session_id.encode(), hashlib.sha256)
    text = nonce.hexdigest()
    return text + hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def _cookies(scope: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in scope.get("headers", ()):
        if key.lower() == b"cookie":
            for part in value.decode("latin-1").split(";"):
                name, _, text = part.strip().partition("=")
                if name and name not in found:
                    found[name] = text
    return found


def _with_cookie(scope: Any, name: str, value: str) -> None:
    """Make the request carry ``name=value`` (for Litestar's CSRF check and forms)."""
    cookies = {**_cookies(scope), name: value}
    header = "; ".join(f"{k}={v}" for k, v in cookies.items()).encode("latin-1")
    others = [(k, v) for k, v in scope.get("headers", ()) if k.lower() != b"cookie"]
    scope["headers"] = [*others, (b"cookie", header)]


def _cookie_header(config: Any, value: str) -> str:
    cookie = Cookie(
        key=config.cookie_name,
        value=value,
        path=config.cookie_path,
        secure=config.cookie_secure,
        httponly=config.cookie_httponly,
        samesite=config.cookie_samesite,
        domain=config.cookie_domain,
    )
    return cookie.to_header(header="")


def _new_session(message: Any, session_cookie: str) -> str | None:
    """The session id a response sets (a sign-in), if any."""
    prefix = f"{session_cookie}=".encode()
    for key, value in message.get("headers", ()):
        if key.lower() == b"set-cookie" and value.startswith(prefix):
            session_id = str(value[len(prefix) :].split(b";", 1)[0].strip(b'"').decode("latin-1"))
            if session_id:
                return session_id
    return None


async def _refuse(send: Any, scope: Any) -> None:
    message = "the CSRF token does not belong to this session; reload the page"
    if scope["path"].startswith("/api/"):
        body, media = json.dumps({"error": message}).encode(), b"application/json"
    else:
        body, media = message.encode(), b"text/plain; charset=utf-8"
    headers = [(b"content-type", media), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def csrf_session_middleware(app: ASGIApp) -> ASGIApp:
    """Bind the CSRF cookie to the session (runs before Litestar's own CSRF check).

    * With a session cookie, an unsafe request whose CSRF cookie is not the session's
      bound token is refused (403); a safe one gets the bound token (so the page's
      forms carry it, and the cookie is replaced).
    * A response that starts a session (sign-in) sets the new session's bound token.
    """

    async def middleware(scope: Any, receive: Any, send: Any) -> None:
        config = scope["litestar_app"].csrf_config if scope["type"] == "http" else None
        handler = scope.get("route_handler")
        excluded = handler is not None and handler.opt.get("exclude_from_csrf")
        if config is None or excluded:
            await app(scope, receive, send)
            return
        cookies = _cookies(scope)
        session_name = session_cookie_name(bool(scope["litestar_app"].state.settings.cookie_secure))
        session_id = cookies.get(session_name)
        renew: str | None = None
        if session_id:
            bound = bound_csrf_token(config.secret, session_id)
            if not hmac.compare_digest(cookies.get(config.cookie_name, ""), bound):
                if scope["method"] not in _SAFE:
                    await _refuse(send, scope)
                    return
                _with_cookie(scope, config.cookie_name, bound)
                renew = bound

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                started = _new_session(message, session_name)
                value = bound_csrf_token(config.secret, started) if started else renew
                if value is not None:
                    headers = MutableScopeHeaders.from_message(message)
                    headers.add("set-cookie", _cookie_header(config, value))
            await send(message)

        await app(scope, receive, sending)

    return middleware
