"""Unit subtotals (PROTOCOL 10.5): the pools the rule gives, their sums and decryptions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ballot.crypto.elgamal import Ciphertext
from ballot.crypto.group import IDENTITY, Element
from ballot.crypto.tally import EncryptedTally, OptionCounts, TallyError, tally_width
from ballot.crypto.threshold import (
    BadPartialDecryption,
    PartialDecryption,
    ThresholdError,
    combine_tally,
    verify_partials,
)
from ballot.election.result import pool_order
from ballot.record.election_record import slot_label
from ballot.record.kinds import Kind
from ballot.record.units import pool_units, unit_labelled, unit_slot_label
from ballot.record.verify.ballots import ChunkResult
from ballot.record.verify.ceremony import Context
from ballot.record.verify.report import VerificationFailed, failure
from ballot.record.verify.rounds import option_counts, unit_name
from ballot.record.verify.scan import Lifecycle, Round


def check_unit_tallies(
    ctx: Context,
    life: Lifecycle,
    count: Round,
    tally: EncryptedTally,
    results: Sequence[ChunkResult],
) -> dict[str, EncryptedTally] | None:
    """One round's unit subtotals: the pools the rule gives (PROTOCOL 10.5), each the
    homomorphic sum of exactly its counted ballots, together the whole tally.

    None when the definition asks for no subtotals (then the tally has no ``units``)."""
    if ctx.min_size is None:
        return None
    fail = failure("encrypted tally")
    assert ctx.manifest is not None
    where = f"board entry {count.tally_seq} ({Kind.TALLY})"
    published = (ctx.lines[count.tally_seq].payload or {}).get("units")
    if not isinstance(published, dict):
        raise fail(f"{where}: 'units' must map each pool to its encrypted subtotal")
    first = life.rounds[0]
    base: dict[str, int] = {}
    for b in life.ballots:
        if life.counted(b, first):
            base[b.unit] = base.get(b.unit, 0) + 1
    mapping = pool_units(base, (b.unit for b in life.ballots), ctx.min_size)
    pools = pool_order(mapping.values())
    if sorted(published) != sorted(pools):
        raise fail(
            f"{where}: unit subtotals for {sorted(published)!r}, but pooling units below "
            f"{ctx.min_size} ballots gives {sorted(pools)!r}"
        )
    if not pools:
        return {}
    width = sum(tally_width(q) for q in ctx.manifest.questions)
    sums = {p: ([IDENTITY] * width, [IDENTITY] * width, [0]) for p in pools}
    for r in results:
        for unit, parts in r.unit_sums.items():
            sa, sb, n = sums[mapping[unit]]
            n[0] += r.unit_counts.get(unit, 0)
            for k, (a, bb) in enumerate(parts):
                sa[k] = sa[k] + Element(a, _trusted=True)
                sb[k] = sb[k] + Element(bb, _trusted=True)
    excluded = {seq: cts for r in results for seq, cts in r.excluded.items()}
    for b in life.ballots:
        cts = excluded.get(b.seq)
        if cts is not None and life.counted(b, count) and not life.counted(b, first):
            sa, sb, n = sums[mapping[b.unit]]
            n[0] += 1
            for k, a, bb in cts:
                sa[k] = sa[k] + Element(a, _trusted=True)
                sb[k] = sb[k] + Element(bb, _trusted=True)
    out: dict[str, EncryptedTally] = {}
    for pool in pools:
        name = unit_name(pool)
        try:
            unit_tally = EncryptedTally.from_json(published[pool], ctx.manifest)
        except TallyError as exc:
            raise fail(f"{name} subtotal edited: {exc}") from exc
        sa, sb, n = sums[pool]
        if unit_tally.ballots != n[0]:
            raise fail(
                f"{name} subtotal edited: {where} counts {unit_tally.ballots} ballots for it, "
                f"the board holds {n[0]} counted ballots of that pool"
            )
        flat = [ct for q in unit_tally.questions for ct in q]
        if flat != [Ciphertext(a, b) for a, b in zip(sa, sb, strict=True)]:
            raise fail(
                f"{name} subtotal edited: {where} does not hold the homomorphic sum of its "
                f"{n[0]} counted ballots"
            )
        out[pool] = unit_tally
    if out:
        total_a = [
            Element.sum([u.questions[qi][si].alpha for u in out.values()])
            for qi, q in enumerate(tally.questions)
            for si in range(len(q))
        ]
        total_b = [
            Element.sum([u.questions[qi][si].beta for u in out.values()])
            for qi, q in enumerate(tally.questions)
            for si in range(len(q))
        ]
        whole = [ct for q in tally.questions for ct in q]
        summed = [Ciphertext(a, b) for a, b in zip(total_a, total_b, strict=True)]
        if summed != whole or sum(u.ballots for u in out.values()) != tally.ballots:
            raise fail(f"{where}: the unit subtotals do not add up to the tally")
    return out


def check_unit_partials(
    ctx: Context, count: Round, units: Mapping[str, EncryptedTally] | None
) -> dict[str, dict[str, int]] | None:
    """Every trustee's partial decryptions of every pool's subtotal, and their combination."""
    if units is None:
        return None
    fail = failure("partial decryptions")
    assert ctx.ceremony is not None
    ceremony = ctx.ceremony
    every: dict[str, list[PartialDecryption]] = {pool: [] for pool in units}
    for seq in count.partial_seqs:
        p = ctx.lines[seq].payload or {}
        t = p["trustee"]
        raw = p.get("units")
        if not isinstance(raw, dict) or sorted(raw) != sorted(units):
            raise fail(
                f"partial decryption of trustee {t} (board entry {seq}) is invalid: its unit "
                f"decryptions are for {sorted(raw) if isinstance(raw, dict) else raw!r}, the "
                f"tally's pools are {sorted(units)!r}"
            )
        for pool, unit_tally in units.items():
            try:
                if not isinstance(raw[pool], list):
                    raise ThresholdError("not a list of partial decryptions")
                parsed = [PartialDecryption.from_json(x) for x in raw[pool]]
                verify_partials(
                    t,
                    parsed,
                    unit_labelled(pool, unit_tally),
                    ceremony.verification_keys[t],
                    ctx.fingerprint,
                )
            except ThresholdError as exc:
                reason = exc.reason if isinstance(exc, BadPartialDecryption) else str(exc)
                raise fail(
                    f"partial decryption of trustee {t} (board entry {seq}) for "
                    f"{unit_name(pool)} is invalid: {reason}"
                ) from exc
            every[pool].extend(parsed)
    out: dict[str, dict[str, int]] = {}
    for pool, unit_tally in units.items():
        try:
            out[pool] = combine_tally(
                unit_labelled(pool, unit_tally),
                every[pool],
                ceremony.verification_keys,
                ceremony.k,
                ctx.fingerprint,
            )
        except (ThresholdError, ValueError) as exc:
            raise fail(
                f"the partial decryptions of {unit_name(pool)} do not combine: {exc}"
            ) from exc
    return out


def pool_counts(
    ctx: Context,
    units: Mapping[str, EncryptedTally] | None,
    slots: Mapping[str, Mapping[str, int]] | None,
) -> dict[str, tuple[int, list[OptionCounts | None]]] | None:
    """Each pool's decrypted option counts (and ballots), for the result."""
    if units is None or slots is None:
        return None
    assert ctx.manifest is not None
    out: dict[str, tuple[int, list[OptionCounts | None]]] = {}
    for pool, unit_tally in units.items():
        plain = {
            slot_label(qi, si): slots[pool][unit_slot_label(pool, qi, si)]
            for qi, q in enumerate(unit_tally.questions)
            for si in range(len(q))
        }
        try:
            out[pool] = (unit_tally.ballots, option_counts(ctx.manifest, unit_tally, plain))
        except VerificationFailed as exc:
            raise VerificationFailed("counts", f"{unit_name(pool)}: {exc.message}") from exc
    return out
