"""The trustee tool's HTTP client: sign in like a browser (CSRF cookie + header), keep the session.

The server's JSON API answers errors as ``{"error": "..."}`` with a status; this
client turns them into :class:`ServerRefused` carrying both, so the CLI can print the
server's reason as it is.  Passwords go only into the sign-in request body.
"""

from __future__ import annotations

from typing import Any

import httpx

CSRF_COOKIE = "csrftoken"
CSRF_COOKIE_TLS = "__Host-csrftoken"  #: its name over TLS
CSRF_HEADER = "x-csrftoken"


class TrusteeError(Exception):
    """Something the trustee must hear about, in one clear sentence."""


class ServerRefused(TrusteeError):
    """The server answered with an error status."""

    def __init__(self, status: int, message: str, path: str) -> None:
        super().__init__(f"the server refused ({status}): {message}")
        self.status = status
        self.message = message
        self.path = path


class Unreachable(TrusteeError):
    """The server could not be reached (the caller may retry)."""


class TrusteeClient:
    """A signed-in session with the ballot server."""

    def __init__(self, server: str, *, timeout: float = 60.0, transport: Any = None) -> None:
        kwargs: dict[str, Any] = {"base_url": server.rstrip("/"), "timeout": timeout}
        if transport is not None:
            kwargs["transport"] = transport
        self.http = httpx.Client(**kwargs)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> TrusteeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing

    def _csrf(self) -> str:
        token = self.http.cookies.get(CSRF_COOKIE_TLS) or self.http.cookies.get(CSRF_COOKIE)
        if token is None:
            self._send("GET", "/login", expect_json=False)
            token = self.http.cookies.get(CSRF_COOKIE_TLS) or self.http.cookies.get(CSRF_COOKIE)
        if token is None:
            raise TrusteeError("the server gave no CSRF cookie; is this a ballot server?")
        return token

    def _send(self, method: str, path: str, *, expect_json: bool = True, **kwargs: Any) -> Any:
        if method not in ("GET", "HEAD"):
            headers = dict(kwargs.pop("headers", {}) or {})
            headers[CSRF_HEADER] = self._csrf()
            kwargs["headers"] = headers
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise Unreachable(f"cannot reach {self.http.base_url}: {exc}") from exc
        if response.status_code >= 400:
            try:
                message = str(response.json().get("error") or response.text)
            except ValueError:
                message = response.text.strip()[:300] or response.reason_phrase
            raise ServerRefused(response.status_code, message, path)
        if not expect_json:
            return response
        try:
            return response.json()
        except ValueError as exc:
            raise TrusteeError(f"the server's answer to {path} is not JSON") from exc

    def get(self, path: str) -> Any:
        return self._send("GET", path)

    def post(self, path: str, body: Any) -> Any:
        return self._send("POST", path, json=body)

    # -- the acts

    def login(self, email: str, password: str, totp: str | None = None) -> None:
        try:
            self.post("/api/login", {"email": email, "password": password, "totp": totp})
        except ServerRefused as exc:
            raise TrusteeError(f"sign-in as {email} failed: {exc.message}") from exc

    def ceremony(self, election_id: str) -> dict[str, Any]:
        return dict(self.get(f"/api/elections/{election_id}/ceremony/remote"))

    def post_round(self, election_id: str, round_name: str, body: Any) -> dict[str, Any]:
        return dict(
            self.post(f"/api/elections/{election_id}/ceremony/remote/rounds/{round_name}", body)
        )

    def board(self, election_id: str) -> dict[str, Any]:
        return dict(self.get(f"/api/elections/{election_id}/board"))

    def tally(self, election_id: str) -> dict[str, Any]:
        return dict(self.get(f"/api/elections/{election_id}/tally"))

    def post_partials(
        self,
        election_id: str,
        round_: int,
        partials: list[Any],
        units: dict[str, list[Any]] | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"round": round_, "partials": partials}
        if units is not None:  # per pooled unit subtotal, when the election has them
            body["units"] = units
        return dict(self.post(f"/api/elections/{election_id}/tally/partials", body))
