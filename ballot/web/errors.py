"""The app's one handler of refusals: a :class:`~ballot.election.refusal.Refused` to HTTP.

Below ``ballot.web`` an act that is not done raises ``Refused``; this handler answers it
with ``{"error": message, **details}`` under ``/api/`` and the plain message elsewhere,
with the status :func:`ballot.web.refusals.status_for` gives its grounds.
"""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response

from ballot.election.refusal import Refused
from ballot.web.refusals import status_for


def refusal_body(refusal: Refused) -> dict[str, Any]:
    """The JSON body of a refusal: the message and its machine-readable extras."""
    return {"error": refusal.message, **refusal.details}


def refused_handler(request: Request[Any, Any, Any], exc: Refused) -> Response[Any]:
    """The app-wide handler: JSON for the API, the plain message for pages."""
    if request.url.path.startswith("/api/"):
        return Response(refusal_body(exc), status_code=status_for(exc.grounds))
    return Response(exc.message, status_code=status_for(exc.grounds), media_type=MediaType.TEXT)
