"""Refusals to HTTP: the one place a :class:`~ballot.election.refusal.Grounds` becomes a status.

Below ``ballot.web`` an act that is not done raises
:class:`~ballot.election.refusal.Refused`; the app's one exception handler answers it
with ``{"error": message, **details}`` under ``/api/`` and the plain message elsewhere.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Final

from litestar import MediaType, Request, Response

from ballot.election.refusal import Grounds, Refused

#: The HTTP status of each kind of refusal.
STATUS: Final = MappingProxyType(
    {
        Grounds.INVALID: 400,
        Grounds.FORBIDDEN: 403,
        Grounds.NOT_FOUND: 404,
        Grounds.CONFLICT: 409,
        Grounds.GONE: 410,
        Grounds.UNPROCESSABLE: 422,
        Grounds.TOO_MANY: 429,
        Grounds.UNAVAILABLE: 503,
    }
)


def status_for(refusal: Refused) -> int:
    """The HTTP status that answers ``refusal``."""
    return STATUS[refusal.grounds]


def refusal_body(refusal: Refused) -> dict[str, Any]:
    """The JSON body of a refusal: the message and its machine-readable extras."""
    return {"error": refusal.message, **refusal.details}


def refused_handler(request: Request[Any, Any, Any], exc: Refused) -> Response[Any]:
    """The app-wide handler: JSON for the API, the plain message for pages."""
    if request.url.path.startswith("/api/"):
        return Response(refusal_body(exc), status_code=status_for(exc))
    return Response(exc.message, status_code=status_for(exc), media_type=MediaType.TEXT)
