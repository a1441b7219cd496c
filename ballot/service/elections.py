"""Creating an election and changing its definition or texts while it is a draft."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from ballot.service.acting import Acting, require_state
from ballot.store import elections
from ballot.store.activity import log_activity
from ballot.store.definition import Definition
from ballot.store.models import Election


async def create_election(session: AsyncSession, ctx: Acting, definition: Definition) -> Election:
    """A new draft election from a parsed definition."""
    election = await elections.create_election(session, definition, ctx.now)
    await log_activity(session, ctx.actor, "election_created", ctx.now, election.id)
    return election


async def redefine(
    session: AsyncSession,
    ctx: Acting,
    election: Election,
    definition: Definition,
    *,
    doing: str = "change the election definition",
) -> None:
    """Replace a draft's whole definition (its texts in other languages start over)."""
    require_state(election, "draft", doing=doing)
    await elections.replace_definition(session, election, definition)
    await log_activity(session, ctx.actor, "election_updated", ctx.now, election.id)


async def set_texts(
    session: AsyncSession,
    ctx: Acting,
    election: Election,
    language: str,
    texts: Mapping[str, str],
) -> None:
    """Add or replace one language's texts of a draft (refused whole on any problem)."""
    require_state(election, "draft", doing="change texts")
    await elections.set_translations(session, election, language, dict(texts))
    await log_activity(
        session, ctx.actor, "translations_set", ctx.now, election.id, language=language
    )
