"""Per-client-address rate limits on voter-token look-ups and sign-ins (429 + Retry-After).

Why here as well as in nginx: nginx's ``limit_req`` is the global limit in production,
but the app must not depend on a correctly configured proxy to stay up, and the test
suite can only check what the app itself does.  The limits are *in-process* sliding
windows (a log of the last ``limit`` request times per address), so with N workers a
client can reach N times the limit; that is acceptable for a backstop.

What is limited, and why:

* ``token`` — ``GET /v/<token>``, ``POST /v`` (a typed letter code), ``POST /api/cast``,
  ``POST /api/audited-ballots`` and ``POST /api/elections/<id>/audit-check``: each looks
  a voter token up or verifies zero-knowledge proofs (the most expensive work a stranger
  can ask for).  Tokens have 256 bits and letter codes 100, so guessing is hopeless
  anyway; the limit bounds the CPU a flood can burn.
  ``POST /api/elections/<id>/cosignatures`` (a witness's signature, checked for anyone
  who posts one) counts against the same limit.
* ``login`` — ``POST /login`` and ``POST /api/login``: Argon2id is deliberately slow.
  The per-account-and-address, per-address and per-account *failure* throttle in
  ``ballot.store.throttle`` still applies on top (it lives in the database, so it
  holds across workers and restarts).

The client address is the ASGI ``client``: behind nginx uvicorn must run with
``--proxy-headers --forwarded-allow-ips=<nginx>`` so that it is the voter's address,
not the proxy's (see docs/OPERATIONS.md).
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar.types import ASGIApp, Receive, Scope

from ballot.config import Settings
from ballot.i18n import normalise, translations

#: Distinct client addresses remembered per limit; the least recently seen are dropped
#: beyond this, so a flood from many addresses cannot grow memory without bound.
MAX_CLIENTS = 50_000

_TOKEN_PATHS = (
    ("GET", re.compile(r"^/v/[^/]+/?$")),
    ("POST", re.compile(r"^/v/?$")),
    ("POST", re.compile(r"^/api/cast/?$")),
    ("POST", re.compile(r"^/api/audited-ballots/?$")),
    ("POST", re.compile(r"^/api/elections/[^/]+/audit-check/?$")),
    ("POST", re.compile(r"^/api/elections/[^/]+/cosignatures/?$")),
)
_LOGIN_PATHS = (
    ("POST", re.compile(r"^/login/?$")),
    ("POST", re.compile(r"^/api/login/?$")),
)


def limit_kind(method: str, path: str) -> str | None:
    """Which limit (``"token"``, ``"login"``) a request counts against, if any."""
    for kind, rules in (("token", _TOKEN_PATHS), ("login", _LOGIN_PATHS)):
        for rule_method, pattern in rules:
            if method == rule_method and pattern.match(path):
                return kind
    return None


class SlidingWindow:
    """At most ``limit`` hits per key in any ``window`` seconds."""

    def __init__(
        self,
        limit: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_CLIENTS,
    ) -> None:
        self.limit, self.window, self.clock, self.max_keys = limit, window, clock, max_keys
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def hit(self, key: str) -> float | None:
        """Count a hit; ``None`` if allowed, else the seconds until one would be."""
        if self.limit <= 0:
            return None
        now = self.clock()
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
            while len(self._hits) > self.max_keys:
                self._hits.popitem(last=False)
        else:
            self._hits.move_to_end(key)
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(0.0, hits[0] + self.window - now)
        hits.append(now)
        return None

    def reset(self) -> None:
        self._hits.clear()


@dataclass
class RateLimits:
    """The app's limits (one per kind), kept in ``app.state.rate_limits``."""

    token: SlidingWindow
    login: SlidingWindow

    @classmethod
    def from_settings(
        cls, settings: Settings, clock: Callable[[], float] = time.monotonic
    ) -> RateLimits:
        return cls(
            token=SlidingWindow(settings.token_rate, settings.rate_window, clock),
            login=SlidingWindow(settings.login_rate, settings.rate_window, clock),
        )

    def check(self, kind: str, client: str) -> float | None:
        return (self.token if kind == "token" else self.login).hit(client)


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def too_many(scope: Scope, retry_after: float) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The 429 answer: JSON under /api/, a short page in the visitor's language elsewhere."""
    seconds = max(1, math.ceil(retry_after))
    if scope["path"].startswith("/api/"):
        body = json.dumps({"error": f"too many requests; try again in {seconds} seconds"}).encode()
        media = b"application/json"
    else:
        language = normalise(_header(scope, b"accept-language"))
        _ = translations(language).gettext
        text = _("Too many requests from your network. Please wait a minute and try again.")
        body = text.encode()
        media = b"text/plain; charset=utf-8"
    headers = [
        (b"content-type", media),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(seconds).encode()),
        (b"cache-control", b"no-store"),
    ]
    return 429, headers, body


def rate_limit_middleware(app: ASGIApp) -> ASGIApp:
    """ASGI middleware answering 429 once a client address passes its limit."""

    async def middleware(scope: Any, receive: Receive, send: Any) -> None:
        if scope["type"] == "http":
            kind = limit_kind(scope["method"], scope["path"])
            limits: RateLimits | None = getattr(scope["litestar_app"].state, "rate_limits", None)
            if kind is not None and limits is not None:
                wait = limits.check(kind, _client(scope))
                if wait is not None:
                    status, headers, body = too_many(scope, wait)
                    await send(
                        {"type": "http.response.start", "status": status, "headers": headers}
                    )
                    await send({"type": "http.response.body", "body": body})
                    return
        await app(scope, receive, send)

    return middleware
