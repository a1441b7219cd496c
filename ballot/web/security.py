"""Response headers on every response: a strict CSP, HSTS, no referrer, no framing, no sniffing.

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

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

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
