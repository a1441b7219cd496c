"""The HTTP status of each kind of refusal (:class:`ballot.election.refusal.Grounds`).

The domain says *why* an act is refused; only the web layer knows what status that is.
Every route that answers a :class:`~ballot.election.refusal.Refused` (the casting API's
own JSON bodies, an app-wide exception handler) takes the status from here, so one
refusal never gets two statuses.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from ballot.election.refusal import Grounds

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


def status_for(grounds: Grounds) -> int:
    """The HTTP status for refusals on these grounds (409 for any not listed)."""
    return STATUS.get(grounds, 409)
