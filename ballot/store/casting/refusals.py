"""Why a cast or a ballot audit is refused: one :class:`Refused` per voter-facing code.

Each ``code`` is stable (``link_used``, ``voting_closed``...): the voter page says it in
the voter's own language (:func:`ballot.web.ballot_page.refusal_strings`), the English
message is for everyone else, and the grounds give the web layer its HTTP status.  Every
refusal leaves the voter's link usable.
"""

from __future__ import annotations

from typing import Final

from ballot.election.refusal import Grounds, Refused
from ballot.store.tokens import TokenLookup

#: The name a cast refusal had before the one domain refusal type; kept so callers that
#: catch ``CastRefused`` keep working.
CastRefused = Refused

NOT_READY: Final = "election_not_ready"
TRY_AGAIN: Final = "the ballot could not be recorded; please try again"
REPLAY: Final = (
    "replayed ciphertext: part of this ballot already appears on this election's board "
    "(or in an audited ballot); encrypt a fresh ballot"
)

_INVALID_LINK = ("this voting link is not valid", "link_invalid", Grounds.NOT_FOUND)
#: What the voter is told for each state of a link that cannot cast.
_LINK_STATES: Final[dict[str, tuple[str, str, Grounds]]] = {
    "used": (
        "this voting link has already been used to cast a ballot",
        "link_used",
        Grounds.CONFLICT,
    ),
    "expired": (
        "voting is closed: this link can no longer be used",
        "voting_closed",
        Grounds.GONE,
    ),
    "revoked": (
        "this voting link was withdrawn by the election committee",
        "link_revoked",
        Grounds.GONE,
    ),
    "replaced": (
        "this voting link was replaced by a newer one; use the latest email",
        "link_replaced",
        Grounds.GONE,
    ),
    # Revoting elections: a challenged member's ballot is sealed and never replaced.
    "challenged": (
        "this member's ballot was set aside as challenged; a challenged ballot cannot be "
        "replaced, even where members may vote again",
        "challenged_final",
        Grounds.CONFLICT,
    ),
}


def link_refused(status: str | None) -> Refused:
    """The refusal for a link in ``status`` (``None``: no such link)."""
    message, code, grounds = _LINK_STATES.get(status or "", _INVALID_LINK)
    return Refused(message, code=code, grounds=grounds)


def refuse_token(found: TokenLookup | None) -> None:
    """Refuse unless the link exists and is still active."""
    if found is None:
        raise link_refused(None)
    if found.status != "active":
        raise link_refused(found.status)


#: Shared instances for the two refusals a busy election gives most often (no allocation
#: per refused cast on the hot path).
USED: Final = link_refused("used")
CLOSED: Final = link_refused("expired")


def replay(message: str = REPLAY) -> Refused:
    """A ciphertext already on the board or in an audit: the database bars it for good."""
    return Refused(message, code="replay", grounds=Grounds.CONFLICT)


def try_again() -> Refused:
    """The database step failed; nothing was written and the link still works."""
    return Refused(TRY_AGAIN, code="try_again", grounds=Grounds.UNAVAILABLE)


def not_ready(message: str) -> Refused:
    """The election's keys are missing or unusable: no ballot can be checked against them."""
    return Refused(message, code=NOT_READY, grounds=Grounds.CONFLICT)
