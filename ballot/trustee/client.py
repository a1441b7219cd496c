"""The trustee tool's HTTP client: sign in like a browser (CSRF cookie + header), keep the session.

The server's JSON API answers errors as ``{"error": "..."}`` with a status; this
client turns them into :class:`ServerRefused` carrying both, so the CLI can print the
server's reason as it is.  Passwords go only into the sign-in request body.

A trustee runs this against whatever a server sends, so every answer is read as
hostile input, with the bounds a verifier applies to a record (PROTOCOL.md 11.6): a
size ceiling (the board's for the board, a member's for the rest), a compression
ratio for encoded bodies, then JSON within the depth and number bounds.  A refused
answer is a :class:`TrusteeError` before anything is posted in reply.
"""

from __future__ import annotations

from typing import Any, Self

import httpx

from ballot.record.bounded_json import JSONBoundsError, bounded_loads
from ballot.record.reader import MAX_BOARD_BYTES, MAX_MEMBER_BYTES, MAX_RATIO, RATIO_FLOOR

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


class ServerClient:
    """A session with the ballot server whose every answer is read as hostile input.

    The trustee tool signs in on it (:class:`TrusteeClient`); the witness's tool
    (``ballot observe``) reads the public board through it with the same bounds.
    """

    def __init__(self, server: str, *, timeout: float = 60.0, transport: Any = None) -> None:
        kwargs: dict[str, Any] = {"base_url": server.rstrip("/"), "timeout": timeout}
        if transport is not None:
            kwargs["transport"] = transport
        self.http = httpx.Client(**kwargs)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
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

    def _send(
        self,
        method: str,
        path: str,
        *,
        expect_json: bool = True,
        limit: int = MAX_MEMBER_BYTES,
        csrf: bool = True,
        **kwargs: Any,
    ) -> Any:
        if csrf and method not in ("GET", "HEAD"):
            headers = dict(kwargs.pop("headers", {}) or {})
            headers[CSRF_HEADER] = self._csrf()
            kwargs["headers"] = headers
        try:
            with self.http.stream(method, path, **kwargs) as response:
                body = _bounded_body(response, path, limit)
        except httpx.TransportError as exc:
            raise Unreachable(f"cannot reach {self.http.base_url}: {exc}") from exc
        except httpx.HTTPError as exc:  # e.g. a body that does not decode
            raise TrusteeError(f"the server's answer to {path} is unreadable: {exc}") from exc
        if response.status_code >= 400:
            try:
                message = str(_parse(body, path).get("error") or "")
            except (TrusteeError, AttributeError):
                message = ""
            text = body[:300].decode("utf-8", "replace").strip()
            raise ServerRefused(
                response.status_code, message or text or response.reason_phrase, path
            )
        if not expect_json:
            return response
        return _parse(body, path)

    def get(self, path: str, *, limit: int = MAX_MEMBER_BYTES) -> Any:
        return self._send("GET", path, limit=limit)

    def post(self, path: str, body: Any, *, csrf: bool = True) -> Any:
        """POST JSON; ``csrf=False`` for public routes that need no session (no cookie)."""
        return self._send("POST", path, json=body, csrf=csrf)


class TrusteeClient(ServerClient):
    """A signed-in trustee's session with the ballot server."""

    # -- the acts

    def login(self, email: str, password: str, totp: str | None = None) -> None:
        try:
            self.post("/api/login", {"email": email, "password": password, "totp": totp})
        except ServerRefused as exc:
            raise TrusteeError(f"sign-in as {email} failed: {exc.message}") from exc

    def ceremony(self, election_id: str) -> dict[str, Any]:
        path = f"/api/elections/{election_id}/ceremony/remote"
        return json_object(self.get(path), path)

    def post_round(self, election_id: str, round_name: str, body: Any) -> dict[str, Any]:
        path = f"/api/elections/{election_id}/ceremony/remote/rounds/{round_name}"
        return json_object(self.post(path, body), path)

    def board(self, election_id: str) -> dict[str, Any]:
        path = f"/api/elections/{election_id}/board"
        return json_object(self.get(path, limit=MAX_BOARD_BYTES), path)

    def tally(self, election_id: str) -> dict[str, Any]:
        path = f"/api/elections/{election_id}/tally"
        return json_object(self.get(path), path)

    def mix(self, election_id: str) -> dict[str, Any]:
        """Where the mix of the ranked races stands (without the lists: the tool derives
        them from the board itself)."""
        path = f"/api/elections/{election_id}/mix?lists=false"
        return json_object(self.get(path), path)

    def post_mix_shuffle(self, election_id: str, races: dict[str, Any]) -> dict[str, Any]:
        path = f"/api/elections/{election_id}/mix/shuffles"
        return json_object(self.post(path, {"races": races}), path)

    def post_mix_partials(self, election_id: str, races: dict[str, Any]) -> dict[str, Any]:
        path = f"/api/elections/{election_id}/mix/partials"
        return json_object(self.post(path, {"races": races}), path)

    def rehearsal_challenge(self, election_id: str) -> dict[str, Any]:
        path = f"/api/elections/{election_id}/rehearsals/challenge"
        return json_object(self.post(path, {}), path)

    def post_rehearsal(self, election_id: str, answer: dict[str, Any]) -> dict[str, Any]:
        path = f"/api/elections/{election_id}/rehearsals"
        return json_object(self.post(path, answer), path)

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
        path = f"/api/elections/{election_id}/tally/partials"
        return json_object(self.post(path, body), path)


def _bounded_body(response: httpx.Response, path: str, limit: int) -> bytes:
    """The decoded body, refused past ``limit`` bytes or an implausible compression ratio."""
    declared = response.headers.get("content-length", "")
    if (
        declared.isdigit()
        and int(declared) > limit
        and not response.headers.get("content-encoding")
    ):
        raise TrusteeError(f"the server's answer to {path} is larger than {limit} bytes")
    parts: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > RATIO_FLOOR and total > MAX_RATIO * max(response.num_bytes_downloaded, 1):
            raise TrusteeError(
                f"the server's answer to {path} is compressed more than {MAX_RATIO}:1 "
                "(a compression bomb)"
            )
        if total > limit:
            raise TrusteeError(f"the server's answer to {path} is larger than {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)


def _parse(body: bytes, path: str) -> Any:
    try:
        return bounded_loads(body)
    except JSONBoundsError as exc:
        raise TrusteeError(f"the server's answer to {path} is refused: {exc}") from exc
    except ValueError as exc:
        raise TrusteeError(f"the server's answer to {path} is not JSON: {exc}") from exc


def json_object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TrusteeError(f"the server's answer to {path} is not a JSON object")
    return value
