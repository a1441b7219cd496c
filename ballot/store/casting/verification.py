"""Every check of a cast that needs no lock: the link's state, a strict parse, the proofs.

Done before the transaction, holding no connection while the CPU works, so casts for one
election verify in parallel; only what passed reaches the group commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ballot.crypto.ballots import (
    BallotError,
    EncryptedBallot,
    ballot_alphas,
    reused_ciphertexts,
    verify_ballot,
)
from ballot.election.context import ElectionContext
from ballot.election.refusal import Grounds, Refused
from ballot.store.casting.entries import fast_canonical
from ballot.store.casting.links import Link, LinkReader
from ballot.store.casting.refusals import link_refused, replay
from ballot.store.tokens import MAX_TOKEN_LENGTH, hash_token


@dataclass(frozen=True)
class Verified:
    """A ballot that passed every check made outside the transaction."""

    link: Link
    context: ElectionContext
    ballot_text: str  # its RFC 8785 form, computed once
    tracker: str
    alphas: list[str]
    #: The unit its board entry names (PROTOCOL 11.2): the member's, when the election
    #: publishes subtotals or has a per-unit race; None otherwise.
    unit: str | None = None


def _replay_message(positions: list[tuple[int, int]]) -> str:
    where = ", ".join(f"question {q + 1} slot {s + 1}" for q, s in positions[:3])
    return (
        f"replayed ciphertext: {where} already appears on this election's board "
        "(or in an audited ballot); encrypt a fresh ballot"
    )


async def verify_for_cast(
    reader: LinkReader, token: str, ballot_json: Mapping[str, Any]
) -> Verified:
    """Every check that needs no lock: token state, strict parse, proofs, replay pre-check.

    The look-up shares a query with the casts arriving at the same time; the proofs are
    checked after it, holding no connection, so slow CPU work never holds one.
    """
    malformed: Refused | None = None
    try:
        ballot = EncryptedBallot.from_json(ballot_json)
    except BallotError as exc:
        malformed = Refused(
            f"the ballot is malformed: {exc}", code="ballot_malformed", grounds=Grounds.INVALID
        )
    alphas = [] if malformed else [a.hex() for a in ballot_alphas(ballot)]
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise link_refused(None)
    found = await reader.submit((hash_token(token), alphas))
    link = found.link
    if link is None or link.status != "active":
        raise link_refused(None if link is None else link.status)
    if malformed is not None:  # the link's state first: it is what the voter must know
        raise malformed
    context = found.context
    if isinstance(context, Refused):
        raise context
    assert context is not None
    if ballot.election != context.fingerprint:
        raise Refused(
            "the ballot was made for another election (its fingerprint is not this election's)",
            code="wrong_election",
            grounds=Grounds.UNPROCESSABLE,
        )
    reused = reused_ciphertexts(ballot, found.used)
    if reused:
        raise replay(_replay_message(reused))
    manifest = context.manifest
    try:
        # The member's own layout: the races of their unit and those of every unit.
        verify_ballot(
            manifest, context.joint_public_key, context.fingerprint, ballot, unit=link.unit
        )
    except BallotError as exc:
        raise Refused(
            f"the ballot does not verify: {exc}",
            code="ballot_invalid",
            grounds=Grounds.UNPROCESSABLE,
        ) from exc
    text_ = fast_canonical(ballot.to_json())
    unit = link.unit if link.subtotals or manifest.has_units else None
    digest = hashlib.sha256(text_).hexdigest()
    return Verified(link, context, text_.decode("ascii"), digest, alphas, unit)
