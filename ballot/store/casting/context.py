"""An election's context (:class:`ballot.election.context.ElectionContext`) from its stored row.

The cast path, the audit path and the voter's page all check ballots against the context
the stored definition and ceremony transcript give; it is built (and the transcript
verified) once per process per election, by :func:`ballot.election.context.context_from_text`.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class ElectionCrypto:
    """The election's public figures in hex, for pages that show them.

    Kept for callers written before :class:`ElectionContext` (``web/board_pages.py``,
    ``web/setup_pages.py``); new code uses :func:`election_context`.
    """

    context: ElectionContext

    @property
    def fingerprint_hex(self) -> str:
        return self.context.fingerprint_hex

    @property
    def public_key_hex(self) -> str:
        return self.context.public_key_hex

    @property
    def verification_keys(self) -> tuple[str, ...]:
        """V_1..V_n in hex, in trustee order."""
        return tuple(key.hex() for key in self.context.verification_keys)


def election_crypto(election: Election) -> ElectionCrypto:
    """:func:`election_context` seen through :class:`ElectionCrypto` (older callers)."""
    return ElectionCrypto(election_context(election))
