"""An election's context (:class:`ballot.election.context.ElectionContext`) from its stored row.

The cast path, the audit path and the voter's page all check ballots against the context
the stored definition and ceremony transcript give; it is built (and the transcript
verified) once per process per election, by :func:`ballot.election.context.context_from_text`.
"""

from __future__ import annotations

from ballot.election.context import ContextError, ElectionContext, context_from_text
from ballot.store.casting.refusals import not_ready
from ballot.store.models import Election


def stored_context(
    definition_text: str | None, joint_public_key: str | None, transcript_text: str | None
) -> ElectionContext:
    """The context of an election from its stored columns; refused (not ready) if unusable.

    The stored joint key must be the one the verified transcript gives: a row whose columns
    disagree is refused rather than trusted either way.
    """
    if not definition_text or not joint_public_key:
        raise not_ready("this election has no finished key ceremony yet")
    if not transcript_text:
        raise not_ready("this election has no key-ceremony transcript yet")
    try:
        context = context_from_text(definition_text, transcript_text)
    except ContextError as exc:
        raise not_ready(f"this election's public keys are not usable: {exc}") from exc
    if context.public_key_hex != joint_public_key:
        raise not_ready(
            "this election's public keys are not usable: the stored joint key is not the "
            "one its ceremony transcript gives"
        )
    return context


def election_context(election: Election) -> ElectionContext:
    """The election's context (cached: fixed once the ceremony is done)."""
    return stored_context(election.manifest, election.joint_public_key, election.ceremony)
