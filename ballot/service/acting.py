"""Who acts and when, the election an act is about, and the checks every act shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.config import Settings
from ballot.election.lifecycle import roll_editable
from ballot.election.refusal import Grounds, Refused
from ballot.record.signing import ServerKey
from ballot.store.board import append_board, sign_board_head
from ballot.store.models import Election
from ballot.store.tokens import IssuedToken


@dataclass(frozen=True)
class Acting:
    """What an act needs besides the database: settings, the board key, who acts, when."""

    settings: Settings
    board_key: ServerKey
    actor: str
    now: datetime
    #: Sees freshly issued tokens (the demo prints a few links); never stores them.
    on_issued: Callable[[list[IssuedToken]], None] | None = None


async def get_election(session: AsyncSession, election_id: str, *, lock: bool = False) -> Election:
    """The election row; with ``lock``, held by this transaction until it ends.

    PostgreSQL locks the row (``SELECT ... FOR UPDATE``).  SQLite has no row locks and
    begins a transaction only at its first write, so a no-op UPDATE comes first: it takes
    the database's write lock before the row is read.  Without it two acts on one election
    at once (two trustees' partial decryptions) both read the same board and both append
    at the same position, and the second fails.
    """
    query = select(Election).where(Election.id == election_id)
    if lock:
        await session.execute(
            update(Election).where(Election.id == election_id).values(state=Election.state)
        )
        query = query.with_for_update().execution_options(populate_existing=True)
    election = await session.scalar(query)
    if election is None:
        raise Refused(f"no election {election_id}", code="no_election", grounds=Grounds.NOT_FOUND)
    return election


async def post(
    session: AsyncSession, ctx: Acting, election: Election, kind: str, payload: dict[str, Any]
) -> None:
    """Append to the election's board and sign the new head."""
    await append_board(session, election.id, kind, payload, ctx.now)
    await sign_board_head(session, election.id, ctx.board_key, ctx.now)


def require_state(election: Election, *states: str, doing: str) -> None:
    """Refuse an act the election's state does not allow."""
    if election.state not in states:
        raise Refused(
            f"cannot {doing} while the election is {election.state} "
            f"(only when {' or '.join(states)})",
            code="wrong_state",
        )


def require_roll_editable(election: Election) -> None:
    """Refuse a change of the roll once eligibility is frozen."""
    if not roll_editable(election.state):
        raise Refused(
            f"cannot change the roll while the election is {election.state}: "
            "eligibility is frozen when voting opens",
            code="roll_frozen",
        )


def invalid(message: str, code: str = "invalid") -> Refused:
    """A refusal of bad input (the request itself is wrong)."""
    return Refused(message, code=code, grounds=Grounds.INVALID)
