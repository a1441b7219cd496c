"""Creating an election and changing its definition or texts while it is a draft."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.service.acting import Acting, invalid, require_state
from ballot.store import elections
from ballot.store.activity import log_activity
from ballot.store.definition import Definition, parse_definition
from ballot.store.models import Election, ElectionTrustee


async def create_election(session: AsyncSession, ctx: Acting, definition: Definition) -> Election:
    """A new draft election from a parsed definition, bound to the server's board key."""
    election = await elections.create_election(
        session, definition, ctx.now, board_key=ctx.board_key.public_hex
    )
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
    election.board_key = ctx.board_key.public_hex  # the key that will sign this board
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


async def set_trustee_numbers(
    session: AsyncSession, ctx: Acting, election: Election, n: int | None, k: int | None
) -> None:
    """Change n and k by rewriting the draft definition (what a whole new definition does).

    ``n`` or ``k`` None: the committee's form did not give a whole number.
    """
    doing = "change the number of trustees"
    require_state(election, "draft", doing=doing)
    if n is None or k is None:
        raise invalid("give n and k as whole numbers", "not_whole_numbers")
    seated = await session.scalar(
        select(ElectionTrustee.position)
        .where(ElectionTrustee.election_id == election.id, ElectionTrustee.position > n)
        .limit(1)
    )
    if seated is not None:
        raise invalid(
            f"trustee position {seated} is already named; n cannot be less than that",
            "seat_beyond_n",
        )
    manifest = await elections.build_manifest(session, election)
    definition = parse_definition(_definition_with_trustees(manifest, n, k))
    await redefine(session, ctx, election, definition, doing=doing)


def _definition_with_trustees(manifest: dict[str, Any], n: int, k: int) -> dict[str, Any]:
    """The election's current definition (from its manifest form) with new trustee numbers."""
    return {
        "kind": manifest["kind"],
        "title": manifest["title"],
        "instructions": manifest["instructions"] or None,
        "opens_at": manifest["opens_at"],
        "closes_at": manifest["closes_at"],
        "rule": manifest["outcome"]["rule"],
        "supermajority": manifest["outcome"]["supermajority"],
        "quorum": manifest["outcome"]["quorum"],
        "allow_blank": manifest["allow_blank"],
        "trustees": {"n": n, "k": k},
        "questions": [
            {
                "text": q["text"],
                "min": q["min"],
                "max": q["max"],
                "options": [o["text"] for o in q["options"]],
            }
            for q in manifest["questions"]
        ],
    }
