"""The committee's confirmation of an irreversible step, kept in the activity log.

The step itself logs what it did (``transition``, ``tally_taken``, ``result_certified``);
this entry adds that it was confirmed, by whom, and the figures the confirmation page
showed (counts only: never a member's name or number), so a later reader of the log can
see what the committee knew when it acted.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from ballot.service.acting import Acting
from ballot.store.activity import log_activity
from ballot.store.models import Election


async def record_confirmation(
    session: AsyncSession, ctx: Acting, election: Election, step: str, figures: dict[str, int]
) -> None:
    """Log the confirmed step (in the step's own transaction: both or neither are kept)."""
    await log_activity(
        session, ctx.actor, "step_confirmed", ctx.now, election.id, step=step, **figures
    )
