"""The ballots a tally counts, checked before a trustee decrypts: valid and distinct.

Each ballot is verified with its entry's layout (the unit it names, with per-unit races),
on every core for a large board; and no ciphertext may appear twice among the board's
ballots.  :mod:`ballot.trustee.decrypt` runs these checks before the trustee's key is used.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from ballot.crypto.ballots import BallotError, EncryptedBallot, ballot_alphas, verify_ballot
from ballot.election.context import context_from_text
from ballot.record.board import BoardEntry
from ballot.record.kinds import Kind
from ballot.trustee.client import TrusteeError

__all__ = ["PARALLEL_FROM", "TallyRefused", "check_counted_ballots", "entry_unit"]


class TallyRefused(TrusteeError):
    """The tally the server asks to decrypt is not the one the public board gives."""


#: Below this many ballots the checks run in this process; above, on every core.
PARALLEL_FROM = 2000


def entry_unit(entry: BoardEntry) -> str | None:
    """The unit a ballot entry names (its layout with per-unit races), None if it names
    none; a unit that is not text reads as none (the layout then refuses the ballot)."""
    unit = entry.payload.get("unit")
    return unit if isinstance(unit, str) else None


def _verify_chunk(
    args: tuple[str, str, list[tuple[int, Any, str | None]]],
) -> tuple[int, str] | None:
    """Check one chunk of ballots in a worker; the first failure as (seq, reason).

    The election's context is cached per process: built once per worker, or inherited
    from the parent that built it before forking.
    """
    definition_text, transcript_text, items = args
    election = context_from_text(definition_text, transcript_text)
    manifest, key, fingerprint = election.manifest, election.joint_public_key, election.fingerprint
    for seq, ballot_json, unit in items:
        try:
            verify_ballot(manifest, key, fingerprint, ballot_json, unit=unit)
        except BallotError as exc:
            return seq, str(exc)
    return None


def check_counted_ballots(
    election_texts: tuple[str, str],
    before: list[BoardEntry],
    seqs: list[int],
    parsed: list[EncryptedBallot],
) -> None:
    """Refuse a tally that sums anything but valid, distinct ballots.

    Recomputing the sum is not enough: a server could put a copy of one member's
    ballot on the board (the copy's proofs are valid) or a ballot that encrypts 50
    votes (its proofs fail), and a decryption of that sum would expose or distort the
    members' choices.  So every counted ballot's proofs are checked, and no ciphertext
    may appear twice among the board's ballots (cast, challenged or audited) -- the
    same checks the verifier makes, made before the trustee's key is used.
    """
    by_seq = {e.seq: e for e in before}
    items = [(seq, by_seq[seq].payload.get("ballot"), entry_unit(by_seq[seq])) for seq in seqs]
    if len(items) < PARALLEL_FROM:
        failure = _verify_chunk((*election_texts, items))
    else:
        size = max(500, len(items) // ((os.cpu_count() or 1) * 4))
        chunks = [(*election_texts, items[i : i + size]) for i in range(0, len(items), size)]
        with ProcessPoolExecutor() as pool:
            failure = next((f for f in pool.map(_verify_chunk, chunks) if f is not None), None)
    if failure is not None:
        raise TallyRefused(
            f"board entry {failure[0]} is not a valid ballot ({failure[1]}); "
            "NOT decrypting a tally that counts it"
        )
    seen: dict[bytes, int] = {}
    for e in before:
        if e.kind == Kind.AUDITED:
            audit = e.payload.get("audit")
            audited = audit.get("ballot") if isinstance(audit, dict) else None
            try:
                alphas = ballot_alphas(EncryptedBallot.from_json(audited))
            except (BallotError, ValueError):
                continue  # the verifier names a malformed audit; it adds nothing to the sum
            for alpha in alphas:
                seen.setdefault(bytes(alpha), e.seq)
    for seq, counted in zip(seqs, parsed, strict=True):
        for alpha in ballot_alphas(counted):
            first = seen.setdefault(bytes(alpha), seq)
            if first != seq:
                raise TallyRefused(
                    f"board entry {seq} reuses a ciphertext of board entry {first} (a copied "
                    "ballot): decrypting a sum that holds a copy would expose a member's "
                    "choice, so NOT decrypting"
                )
