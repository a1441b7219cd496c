"""Each round's encrypted tally, its trustees' partial decryptions, and the decrypted counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ballot.crypto.elgamal import Ciphertext
from ballot.crypto.group import IDENTITY, Element
from ballot.crypto.manifest import ElectionManifest
from ballot.crypto.tally import (
    EncryptedTally,
    OptionCounts,
    TallyError,
    decrypted_counts,
    has_own_count,
    tally_width,
)
from ballot.crypto.threshold import (
    BadPartialDecryption,
    PartialDecryption,
    ThresholdError,
    combine_tally,
    verify_partials,
)
from ballot.record.election_record import slot_label
from ballot.record.kinds import Kind
from ballot.record.verify.ballots import ChunkResult
from ballot.record.verify.ceremony import Context
from ballot.record.verify.report import VerificationFailed, failure
from ballot.record.verify.revotes import replaced_in_tally
from ballot.record.verify.scan import Lifecycle, Round, payload_keys, with_units


def _tally_payload(ctx: Context, count: Round) -> tuple[EncryptedTally, dict[str, Any]]:
    assert ctx.manifest is not None
    line = ctx.lines[count.tally_seq]
    p = payload_keys(line, with_units({"round", "tally", "counted"}, ctx.min_size))
    counted = p["counted"]
    where = f"board entry {line.seq} ({Kind.TALLY})"
    if not isinstance(counted, dict) or set(counted) != {"cast", "overruled"}:
        raise VerificationFailed("encrypted tally", f"{where}: 'counted' needs cast and overruled")
    try:
        tally = EncryptedTally.from_json(p["tally"], ctx.manifest)
    except TallyError as exc:
        raise VerificationFailed("encrypted tally", f"{where}: {exc}") from exc
    return tally, counted


def _labelled(manifest: ElectionManifest, tally: EncryptedTally) -> dict[str, Ciphertext]:
    return {
        slot_label(qi, si): ct
        for qi, slots in enumerate(tally.questions)
        for si, ct in enumerate(slots)
    }


def check_tally(
    ctx: Context,
    life: Lifecycle,
    count: Round,
    results: Sequence[ChunkResult],
) -> EncryptedTally:
    """One round's tally: the homomorphic sum of exactly the ballots it counts.

    The workers summed the ballots counted in round 1; a round 2 adds the challenged
    ballots overruled since, from the ciphertexts the workers kept for uncounted ones.
    """
    fail = failure("encrypted tally")
    assert ctx.manifest is not None
    tally, counted = _tally_payload(ctx, count)
    where = f"board entry {count.tally_seq} ({Kind.TALLY})"
    n_cast = life.cast_counted  # with revoting, each alias's last ballot (PROTOCOL 11.10)
    overruled = sorted(c for c, d in count.decisions.items() if d == "overruled")
    n_counted = n_cast + len(overruled)
    width = sum(tally_width(q) for q in ctx.manifest.questions)
    sum_a = [IDENTITY] * width
    sum_b = [IDENTITY] * width
    for r in results:
        for k, (part_a, part_b) in enumerate(r.sums):
            sum_a[k] = Element.sum([sum_a[k], Element(part_a, _trusted=True)])
            sum_b[k] = Element.sum([sum_b[k], Element(part_b, _trusted=True)])
    excluded = {seq: cts for r in results for seq, cts in r.excluded.items()}
    first = life.rounds[0]
    for b in life.ballots:
        cts = excluded.get(b.seq)
        if cts is not None and life.counted(b, count) and not life.counted(b, first):
            for k, a, bb in cts:
                sum_a[k] = sum_a[k] + Element(a, _trusted=True)
                sum_b[k] = sum_b[k] + Element(bb, _trusted=True)
    summed = [Ciphertext(a, b) for a, b in zip(sum_a, sum_b, strict=True)]
    published = [ct for q in tally.questions for ct in q]
    board_says = (
        f"the board holds {n_counted} counted ballots ({n_cast} cast, "
        f"{len(overruled)} overruled challenges)"
    )
    if tally.ballots > n_counted:
        raise fail(
            f"ballot dropped from the board or added to the tally: {where} counts "
            f"{tally.ballots} ballots, but {board_says}"
            + replaced_in_tally(life.replaced, summed, published, excluded)
        )
    if tally.ballots < n_counted:
        raise fail(
            f"ballot dropped from the tally: {where} counts {tally.ballots} ballots, "
            f"but {board_says}"
        )
    if published != summed:
        for b in life.ballots:
            cts = excluded.get(b.seq)
            if cts is None or life.counted(b, count):
                continue
            if with_ballot(summed, cts) == published:
                state = count.decisions.get(b.challenge or "", "undecided")
                raise fail(
                    f"{where} includes challenged ballot {b.challenge!r} (board entry {b.seq}, "
                    f"{state}), which must not be counted"
                )
        if why := replaced_in_tally(life.replaced, summed, published, excluded):
            raise fail(f"{where} is not the sum of the {n_counted} counted ballots{why}")
        k = next(i for i, (x, y) in enumerate(zip(published, summed, strict=True)) if x != y)
        raise fail(
            f"ballot dropped or altered: {where} does not equal the homomorphic sum of the "
            f"{n_counted} counted ballots (first difference at tally slot {k})"
        )
    if counted != {"cast": n_cast, "overruled": overruled}:
        raise fail(f"{where}: its 'counted' summary does not match the board")
    check_race_ballots(ctx.manifest, life, count, tally, where)
    return tally


def with_ballot(
    summed: Sequence[Ciphertext], cts: Sequence[tuple[int, bytes, bytes]]
) -> list[Ciphertext]:
    """A tally's slots with one more ballot's ciphertexts (tally slot, alpha, beta) added."""
    out = list(summed)
    for k, a, b in cts:
        out[k] = Ciphertext(
            out[k].alpha + Element(a, _trusted=True), out[k].beta + Element(b, _trusted=True)
        )
    return out


def check_race_ballots(
    manifest: ElectionManifest, life: Lifecycle, count: Round, tally: EncryptedTally, where: str
) -> None:
    """Each per-unit race's n_q: the ballots this round counts whose entry names its unit
    (PROTOCOL 10.1)."""
    per_unit: dict[str, int] = {}
    for b in life.ballots:
        if life.counted(b, count):
            per_unit[b.unit] = per_unit.get(b.unit, 0) + 1
    for qi, question in enumerate(manifest.questions):
        if not has_own_count(question):
            continue
        expected = per_unit.get(question.unit or "", 0)
        if tally.ballots_of(qi) != expected:
            raise VerificationFailed(
                "encrypted tally",
                f"{where}: question {question.id!r} (a race of unit {question.unit!r}) counts "
                f"{tally.ballots_of(qi)} ballots, but the board holds {expected} counted "
                "ballots of that unit",
            )


def check_partials(
    ctx: Context, count: Round, tally: EncryptedTally
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Every trustee's partial decryptions of one round's tally, and their combination."""
    fail = failure("partial decryptions")
    assert ctx.ceremony is not None and ctx.manifest is not None
    ceremony = ctx.ceremony
    labelled = _labelled(ctx.manifest, tally)
    if not labelled:
        # Every race is ranked: nothing to decrypt, and the result follows the tally at
        # once (PROTOCOL 10.2); a partial decryption of nothing is refused.
        if count.partial_seqs:
            seq = count.partial_seqs[0]
            raise fail(
                f"board entry {seq} ({Kind.PARTIAL}): the round-{count.number} tally holds no "
                "ciphertext (every race is ranked), so nothing is decrypted"
            )
        return {}, []
    every: list[PartialDecryption] = []
    seen: dict[int, int] = {}
    payloads: list[dict[str, Any]] = []
    for seq in count.partial_seqs:
        line = ctx.lines[seq]
        p = payload_keys(line, with_units({"round", "trustee", "partials"}, ctx.min_size))
        payloads.append(p)
        t = p["trustee"]
        if type(t) is not int or t not in ceremony.verification_keys:
            raise fail(f"board entry {seq} ({Kind.PARTIAL}): {t!r} is not a trustee")
        if t in seen:
            raise fail(f"trustee {t} posted two partial decryptions (entries {seen[t]}, {seq})")
        seen[t] = seq
        if not isinstance(p["partials"], list):
            raise fail(f"partial decryption of trustee {t} is invalid: 'partials' is not a list")
        try:
            parsed = [PartialDecryption.from_json(x) for x in p["partials"]]
            verify_partials(t, parsed, labelled, ceremony.verification_keys[t], ctx.fingerprint)
        except ThresholdError as exc:
            reason = exc.reason if isinstance(exc, BadPartialDecryption) else str(exc)
            raise fail(
                f"partial decryption of trustee {t} (board entry {seq}) is invalid: {reason}"
            ) from exc
        every.extend(parsed)
    if len(seen) < ceremony.k:
        raise fail(f"only {len(seen)} trustee(s) decrypted; at least {ceremony.k} are needed")
    try:
        slots = combine_tally(
            labelled, every, ceremony.verification_keys, ceremony.k, ctx.fingerprint
        )
    except (ThresholdError, ValueError) as exc:
        raise fail(f"the partial decryptions do not combine: {exc}") from exc
    return slots, payloads


def unit_name(pool: str) -> str:
    """A pool as the failure messages name it."""
    return f"unit {pool!r}" if pool else "the other units' pool"


def option_counts(
    manifest: ElectionManifest, tally: EncryptedTally, slots: Mapping[str, int]
) -> list[OptionCounts | None]:
    """Decrypted slot sums as option counts (None for a ranked race); impossible sums fail
    the "counts" step."""
    try:
        return decrypted_counts(manifest, tally, slots, slot_label)
    except TallyError as exc:
        raise VerificationFailed("counts", f"the decrypted counts are impossible: {exc}") from exc
