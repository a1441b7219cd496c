"""What the trustees page shows once the key ceremony is done, in place of its forms.

After the ceremony nothing on that page can change (the texts are frozen, the keys made),
so the forms give way to a summary a committee can read out or print: how many trustees
and how many are needed, who holds each position, the election fingerprint members'
browsers check, and when the ceremony started and finished, in the election's own time
zone (the ``moment`` filter).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ballot.election.context import ContextError, context_from_text
from ballot.record.kinds import Kind
from ballot.store.models import Election
from ballot.store.step_facts import last_entry_at


def ceremony_done(election: Election) -> bool:
    """Is the election key made (a ceremony recorded and not withdrawn since)?"""
    return bool(election.joint_public_key and election.ceremony and election.manifest)


async def ceremony_summary(session: AsyncSession, election: Election) -> dict[str, Any] | None:
    """The finished ceremony in figures and times (None while it is not done)."""
    if not ceremony_done(election):
        return None
    try:
        grouped = context_from_text(
            election.manifest or "", election.ceremony or ""
        ).fingerprint_grouped
    except ContextError:
        grouped = None
    return {
        "n": election.trustees_n,
        "k": election.trustees_k,
        "fingerprint": grouped,
        "started": await last_entry_at(session, election.id, Kind.DEFINED),
        "finished": await last_entry_at(session, election.id, Kind.CEREMONY),
    }
