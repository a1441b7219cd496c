"""Former home of the committee's acts, now :mod:`ballot.service`; kept for callers not
yet moved (``web/casting.py``, ``web/board_pages.py``, ``web/observer/``, ``web/deps.py``,
``bench/roll.py``).  New code imports from :mod:`ballot.service`.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from ballot.election.refusal import Refused
from ballot.service import acting
from ballot.service.acting import Acting as Context
from ballot.service.acting import require_roll_editable, require_state
from ballot.service.ceremony import (
    accept_transcript,
    name_trustee,
    run_local_ceremony,
    trustee_submission,
)
from ballot.service.challenges import (
    certify,
    challenges_view,
    decide_challenge,
    next_round,
    objection_deadline,
)
from ballot.service.count import accept_partials, pending_tally, take_tally
from ballot.service.lifecycle import set_state, transition
from ballot.service.schedule import apply_schedule
from ballot.service.voters import find_voter, reissue, revoke, send_reminders
from ballot.store.models import Election
from ballot.web.refusals import status_for

__all__ = [
    "Context",
    "OperationError",
    "accept_partials",
    "accept_transcript",
    "apply_schedule",
    "certify",
    "challenges_view",
    "decide_challenge",
    "find_voter",
    "get_election",
    "name_trustee",
    "next_round",
    "objection_deadline",
    "pending_tally",
    "reissue",
    "require_roll_editable",
    "require_state",
    "revoke",
    "run_local_ceremony",
    "send_reminders",
    "set_state",
    "take_tally",
    "transition",
    "trustee_submission",
]


class OperationError(Refused):
    """A refusal with its HTTP status, for callers that still read ``status``."""

    @property
    def status(self) -> int:
        return status_for(self.grounds)


async def get_election(session: AsyncSession, election_id: str, *, lock: bool = False) -> Election:
    """:func:`ballot.service.acting.get_election`, refusing with :class:`OperationError`."""
    try:
        return await acting.get_election(session, election_id, lock=lock)
    except Refused as exc:
        raise OperationError(
            exc.message, code=exc.code, grounds=exc.grounds, details=exc.details
        ) from exc
