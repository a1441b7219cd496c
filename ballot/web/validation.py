"""One input check in front of every route, before anything reaches a query or a file.

A request is refused with a 400 and a plain message, before Litestar or our strict
reader decodes anything, when

* its path or query string holds a control character (U+0000-U+001F, U+007F):
  PostgreSQL refuses U+0000 in text, so an id such as ``/api/elections/%00/public``
  would otherwise fail inside a query, and no id, e-mail or file name of ours has one;
* its body nests arrays and objects deeper than :data:`MAX_DEPTH` (JSON decoders
  recurse, and about a thousand levels exhaust Python's stack), or carries a NUL (a raw
  byte, a JSON ``\\u0000`` escape or a form's ``%00``).

The body is scanned whatever its declared type, because the cast route reads JSON sent
as ``text/plain`` too; only multipart bodies (file uploads) are left to their readers,
apart from the raw NUL check.  The depth is the record reader's own check
(:func:`ballot.record.bounded_json.check_depth`: C-speed passes, no recursion, the
same limit of 64 levels).

:data:`BoardSeq` and :data:`PageSize` are the one bounded integer type for paging
parameters: out of range is a 400 (board positions are 32-bit columns).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import traceback
from typing import Annotated, Any
from urllib.parse import unquote_to_bytes

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
from litestar.exceptions.responses import create_exception_response
from litestar.params import Parameter
from litestar.types import ASGIApp, Scope

from ballot.record.bounded_json import MAX_DEPTH, JSONBoundsError, check_depth
from ballot.record.reader import MAX_LINE_BYTES

log = logging.getLogger(__name__)

#: Largest body read for the scan (Litestar's own limit for every route).
MAX_BODY = 10 * 1024 * 1024
#: A trustee's shuffle or partial decryptions of every ranked ballot at once: each becomes
#: one board line, so it may be as large as a line may be (PROTOCOL 11.6).
MIX_BODY = MAX_LINE_BYTES
_MIX_ROUTE = re.compile(r"/api/elections/[^/]+/mix/(?:shuffles|partials)")
#: Highest board position (an INTEGER column: 32-bit on PostgreSQL).
MAX_SEQ = 2**31 - 1
PAGE_SIZE = 100
MAX_PAGE = 1000

#: A board position to page after (-1: from the start).
BoardSeq = Annotated[
    int, Parameter(ge=-1, le=MAX_SEQ, description="board position to start after (-1: start)")
]
#: How many rows one page holds.
PageSize = Annotated[int, Parameter(ge=1, le=MAX_PAGE, description="rows per page")]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: A ``\u0000`` escape preceded by an even number of backslashes (so not ``\\u0000``).
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


class InputRefused(Exception):
    """A request refused before any handler ran; ``status`` is 400 or 413."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def check_text(value: str, what: str) -> None:
    """Refuse control characters in an id, e-mail address or path."""
    if _CONTROL.search(value):
        raise InputRefused(f"the {what} holds a control character, which is not allowed")


def check_body(body: bytes, content_type: str) -> None:
    """Refuse a body that nests too deep or carries a NUL (see the module docstring)."""
    if b"\x00" in body:
        raise InputRefused("the request body holds a NUL character, which is not allowed")
    if content_type.startswith("multipart/"):
        return
    if content_type.startswith("application/x-www-form-urlencoded"):
        if b"\x00" in unquote_to_bytes(body):
            raise InputRefused("the form holds a NUL character, which is not allowed")
        return
    if b"\\u0000" in body and _NUL_ESCAPE.search(body):
        raise InputRefused("the JSON holds a NUL character (\\u0000), which is not allowed")
    try:
        check_depth(body, MAX_DEPTH)
    except JSONBoundsError:
        raise InputRefused(f"the JSON nests deeper than {MAX_DEPTH} levels") from None


def check_target(scope: Scope) -> None:
    """Refuse control characters in the decoded path and query string."""
    check_text(scope["path"], "path")
    query = scope.get("query_string", b"")
    if query and b"\x00" in unquote_to_bytes(query.replace(b"+", b" ")):
        raise InputRefused("the query string holds a NUL character, which is not allowed")
    if query:
        check_text(unquote_to_bytes(query).decode("utf-8", "replace"), "query string")


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1")).lower()
    return ""


def body_limit(path: str) -> int:
    """The largest body a request to ``path`` may have: the mix-net's two routes take a
    board line's worth, every other route Litestar's default."""
    return MIX_BODY if _MIX_ROUTE.fullmatch(path) else MAX_BODY


async def _read_all(
    receive: Any, declared: str, limit: int = MAX_BODY
) -> tuple[bytes, list[dict[str, Any]]]:
    if declared.isdigit() and int(declared) > limit:
        raise InputRefused(f"the request is too large (at most {limit} bytes)", 413)
    messages: list[dict[str, Any]] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        size += len(message.get("body", b""))
        if size > limit:
            raise InputRefused(f"the request is too large (at most {limit} bytes)", 413)
        if not message.get("more_body", False):
            break
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
    return body, messages


def _refusal(scope: Scope, refused: InputRefused) -> tuple[list[tuple[bytes, bytes]], bytes]:
    if scope["path"].startswith("/api/"):
        body, media = json.dumps({"error": refused.message}).encode(), b"application/json"
    else:
        body, media = refused.message.encode(), b"text/plain; charset=utf-8"
    headers = [(b"content-type", media), (b"content-length", str(len(body)).encode())]
    return headers, body


def input_middleware(app: ASGIApp) -> ASGIApp:
    """ASGI middleware applying :func:`check_target` and :func:`check_body` to every request."""

    async def middleware(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        try:
            check_target(scope)
            replay: list[dict[str, Any]] = []
            if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
                body, replay = await _read_all(
                    receive, _header(scope, b"content-length"), body_limit(scope["path"])
                )
                check_body(body, _header(scope, b"content-type"))
        except InputRefused as refused:
            headers, content = _refusal(scope, refused)
            start = {"type": "http.response.start", "status": refused.status, "headers": headers}
            await send(start)
            await send({"type": "http.response.body", "body": content})
            return
        if replay:
            queued = list(replay)

            async def replaying() -> Any:
                return queued.pop(0) if queued else await receive()

            await app(scope, replaying, send)
        else:
            await app(scope, receive, send)

    return middleware


def _where(exc: BaseException) -> str:
    """The innermost frame of our own code (or the last one): enough to find the bug."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/ballot/" in f.filename] or frames
    if not ours:
        return "?"
    frame = ours[-1]
    return f"{frame.filename.rsplit('/ballot/', 1)[-1]}:{frame.lineno} in {frame.name}"


def unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The catch-all: a 500 with a request id, logged once on one line (no traceback flood).

    HTTP exceptions (404, 405, 413, validation 400s...) keep Litestar's own answers.
    """
    if isinstance(exc, HTTPException):
        return create_exception_response(request, exc)
    request_id = secrets.token_hex(8)
    log.error(
        "unexpected %s on %s %s [request %s] at %s",
        type(exc).__name__,
        request.method,
        request.url.path,
        request_id,
        _where(exc),
    )
    message = f"internal error; quote request id {request_id} to the operators"
    if request.url.path.startswith("/api/"):
        return Response(
            {"error": message, "request_id": request_id},
            status_code=500,
            headers={"x-request-id": request_id},
        )
    return Response(
        message,
        status_code=500,
        media_type=MediaType.TEXT,
        headers={"x-request-id": request_id},
    )


__all__ = [
    "MAX_DEPTH",
    "BoardSeq",
    "InputRefused",
    "PageSize",
    "check_body",
    "check_text",
    "input_middleware",
    "unexpected_error",
]
