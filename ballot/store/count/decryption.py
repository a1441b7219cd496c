"""Trustees' partial decryptions of a round's tally: checked, combined into the result.

Partial decryptions are checked against the verification keys of the verified ceremony
(:class:`ballot.election.context.ElectionContext`), and the result is made by
:func:`ballot.election.result.expected_result`, the very rule the verifier checks it with.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from ballot.crypto.elgamal import Ciphertext
from ballot.crypto.tally import EncryptedTally, decrypted_counts
from ballot.crypto.threshold import PartialDecryption, combine_tally, verify_partials
from ballot.election.context import ElectionContext
from ballot.election.outcome import RuleError
from ballot.election.paper import PaperTotals
from ballot.election.refusal import Grounds, Refused
from ballot.election.result import expected_result
from ballot.record.election_record import slot_label
from ballot.record.units import unit_labelled, unit_slot_label
from ballot.store.count.state import payload_of
from ballot.store.count.sums import CountBroken
from ballot.store.models import BoardEntryRow


def labelled(tally: EncryptedTally) -> dict[str, Ciphertext]:
    """Each tally slot under the label a partial decryption is bound to (``q0/s0``...)."""
    return {
        slot_label(qi, si): ct
        for qi, slots in enumerate(tally.questions)
        for si, ct in enumerate(slots)
    }


def _invalid(message: str, trustee: int) -> Refused:
    return Refused(
        message, code="partials_invalid", grounds=Grounds.INVALID, details={"trustee": trustee}
    )


def _no_share(trustee: int) -> Refused:
    return Refused(
        f"trustee {trustee} holds no key share of this election",
        code="no_key_share",
        grounds=Grounds.FORBIDDEN,
    )


def check_partials(
    keys: ElectionContext, tally: EncryptedTally, trustee: int, partials_json: object
) -> list[PartialDecryption]:
    """Parse and verify one trustee's whole submission; :class:`Refused` (invalid)
    naming the trustee if anything is wrong."""

    def bad(reason: str) -> Refused:
        return _invalid(f"partial decryption from trustee {trustee} is invalid: {reason}", trustee)

    key = keys.ceremony.verification_keys.get(trustee)
    if key is None:
        raise _no_share(trustee)
    if not isinstance(partials_json, list):
        raise bad("'partials' must be a list of partial decryptions")
    try:
        parsed = [PartialDecryption.from_json(p) for p in partials_json]
        verify_partials(trustee, parsed, labelled(tally), key, keys.fingerprint)
    except ValueError as exc:  # ThresholdError and malformed group elements alike
        raise bad(getattr(exc, "reason", None) or str(exc)) from exc
    return parsed


def check_unit_partials(
    keys: ElectionContext, units: Mapping[str, EncryptedTally], trustee: int, units_json: object
) -> dict[str, list[PartialDecryption]]:
    """Parse and verify one trustee's partial decryptions of every pool's subtotal;
    :class:`Refused` (invalid) naming the trustee and the unit if anything is wrong."""
    key = keys.ceremony.verification_keys.get(trustee)
    if key is None:
        raise _no_share(trustee)
    if not isinstance(units_json, dict) or sorted(units_json) != sorted(units):
        raise _invalid(
            f"partial decryption from trustee {trustee} is invalid: 'units' must hold the "
            f"partial decryptions of the subtotals {sorted(units)!r}",
            trustee,
        )
    out: dict[str, list[PartialDecryption]] = {}
    for pool, subtotal in units.items():
        try:
            if not isinstance(units_json[pool], list):
                raise ValueError("not a list of partial decryptions")
            parsed = [PartialDecryption.from_json(p) for p in units_json[pool]]
            verify_partials(trustee, parsed, unit_labelled(pool, subtotal), key, keys.fingerprint)
        except ValueError as exc:
            reason = getattr(exc, "reason", None) or str(exc)
            raise _invalid(
                f"partial decryption from trustee {trustee} is invalid for unit {pool!r}: {reason}",
                trustee,
            ) from exc
        out[pool] = parsed
    return out


def combine_units(
    keys: ElectionContext,
    units: Mapping[str, EncryptedTally],
    submissions: Mapping[int, Mapping[str, Sequence[PartialDecryption]]],
) -> dict[str, tuple[int, list[Any]]]:
    """Each pool's decrypted counts (and ballots), for :func:`expected_result`."""
    out: dict[str, tuple[int, list[Any]]] = {}
    for pool, subtotal in units.items():
        every = [p for t in sorted(submissions) for p in submissions[t][pool]]
        try:
            slots = combine_tally(
                unit_labelled(pool, subtotal),
                every,
                keys.ceremony.verification_keys,
                keys.k,
                keys.fingerprint,
            )
            counts = decrypted_counts(
                keys.manifest, subtotal, slots, functools.partial(unit_slot_label, pool)
            )
        except ValueError as exc:
            raise CountBroken(
                f"the partial decryptions of unit {pool!r} do not combine: {exc}"
            ) from exc
        out[pool] = (subtotal.ballots, counts)
    return out


def combine_result(
    keys: ElectionContext,
    tally: EncryptedTally,
    submissions: Mapping[int, Sequence[PartialDecryption]],
    *,
    eligible: int,
    cast: int,
    challenged: int,
    sustained: int,
    overruled: int,
    units: Mapping[str, tuple[int, Sequence[Any]]] | None = None,
    replaced: int = 0,
    paper: PaperTotals | None = None,
) -> dict[str, Any]:
    """Decrypt the tally from k trustees' partials and make the result the verifier
    expects (:func:`ballot.election.result.expected_result`, never a second copy)."""
    every = [p for trustee in sorted(submissions) for p in submissions[trustee]]
    ciphertexts = labelled(tally)
    try:
        # A tally without ciphertext (every race ranked) has nothing to decrypt.
        slots = (
            combine_tally(
                ciphertexts, every, keys.ceremony.verification_keys, keys.k, keys.fingerprint
            )
            if ciphertexts
            else {}
        )
        counts = decrypted_counts(keys.manifest, tally, slots, slot_label)
    except ValueError as exc:
        raise CountBroken(f"the partial decryptions do not combine: {exc}") from exc
    try:
        return expected_result(
            keys.definition,
            keys.manifest,
            counts,
            eligible=eligible,
            cast=cast,
            challenged=challenged,
            sustained=sustained,
            overruled=overruled,
            units=units,
            replaced=replaced,
            paper=paper,
        )
    except RuleError as exc:  # refused when the ceremony began; an older election may not be
        raise Refused(
            f"the election's rule cannot decide this count: {exc}", code="rule_unusable"
        ) from exc


def parse_partials(row: BoardEntryRow) -> list[PartialDecryption]:
    """One ``tally.partial`` entry's partial decryptions of the whole tally."""
    return [PartialDecryption.from_json(p) for p in payload_of(row)["partials"]]


def parse_tally(keys: ElectionContext, row: BoardEntryRow) -> EncryptedTally:
    """The encrypted tally of a ``tally.encrypted`` entry."""
    return EncryptedTally.from_json(payload_of(row)["tally"], keys.manifest)


def parse_units(keys: ElectionContext, row: BoardEntryRow) -> dict[str, EncryptedTally]:
    """The pooled subtotals of a ``tally.encrypted`` entry ({} if it has none)."""
    raw = payload_of(row).get("units") or {}
    return {pool: EncryptedTally.from_json(t, keys.manifest) for pool, t in raw.items()}


def parse_unit_partials(row: BoardEntryRow) -> dict[str, list[PartialDecryption]]:
    """One ``tally.partial`` entry's partial decryptions per unit pool ({} if none)."""
    raw = payload_of(row).get("units") or {}
    return {pool: [PartialDecryption.from_json(p) for p in ps] for pool, ps in raw.items()}
