"""Tally day for one trustee: check the encrypted tally against the public board, then decrypt.

A trustee's partial decryption is the one act that turns encrypted votes into counts,
so the tool refuses to make one for anything but the honest sum: it downloads the
public board, checks its hash chain, checks every counted ballot's proofs and that no
ciphertext appears twice (a copied ballot would let the sum expose a member's choice),
and recomputes the tally itself from the board's ballots: every ``ballot.cast`` before
the tally entry (with revoting, each alias's last only), plus every challenged ballot
whose challenge was decided ``overruled`` before it.  Only if that sum, the ballot
count and the ``counted`` summary equal what the server asks it to decrypt, and the
tally entry sits on the board where the server says, does it decrypt (with a proof per
slot) and upload.  It also checks that the key file belongs to this election's
published ceremony, and its own proofs before sending them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ballot.crypto.ballots import BallotError, EncryptedBallot
from ballot.crypto.ceremony import CeremonyError, TrusteeShare
from ballot.crypto.elgamal import Ciphertext
from ballot.crypto.manifest import ElectionManifest
from ballot.crypto.tally import EncryptedTally, TallyError, aggregate, aggregate_units
from ballot.crypto.threshold import (
    PartialDecryption,
    ThresholdError,
    partial_decrypt_tally,
    verify_partials,
)
from ballot.election.context import ContextError, context_from_text, read_definition
from ballot.election.result import pool_order
from ballot.election.revoting import RevotingError, replaced_ballots, revoting_of
from ballot.record.board import BoardEntry
from ballot.record.election_record import slot_label
from ballot.record.kinds import BALLOT_KINDS, Kind
from ballot.record.units import SubtotalsError, pool_units, subtotal_min_size, unit_labelled
from ballot.trustee.ceremony import Report, board_entries, quiet
from ballot.trustee.client import ServerRefused, TrusteeClient, TrusteeError
from ballot.trustee.counted import TallyRefused, check_counted_ballots, entry_unit


@dataclass(frozen=True)
class CheckedTally:
    """A tally that matches the board, ready to decrypt."""

    round: int
    labelled: dict[str, Ciphertext]
    fingerprint: bytes
    verification_key: Any
    ballots: int
    #: pool -> its subtotal's labelled slots; None when the election has no subtotals
    units: dict[str, dict[str, Ciphertext]] | None = field(default=None)


def check_tally(
    entries: list[BoardEntry], info: dict[str, Any], share: TrusteeShare
) -> CheckedTally:
    """Recompute the tally from the board; raise TallyRefused saying what differs."""
    seq = info.get("seq")
    if not isinstance(seq, int) or not 0 <= seq < len(entries):
        raise TallyRefused(f"the tally's board position {seq!r} is not on the public board")
    entry = entries[seq]
    if entry.kind != Kind.TALLY or entry.hash != info.get("entry_hash"):
        raise TallyRefused(
            f"board entry {seq} is not the encrypted tally the server asks to decrypt"
        )
    payload = entry.payload
    round_ = info.get("round")
    if payload.get("round", 1) != round_ or payload.get("tally") != info.get("tally"):
        raise TallyRefused(f"the tally on the board (entry {seq}) differs from the one sent")
    if payload.get("counted") != info.get("counted"):
        raise TallyRefused(f"the tally's 'counted' summary differs from board entry {seq}")
    before = entries[:seq]
    defined = [e for e in before if e.kind == Kind.DEFINED]
    if not defined:
        raise TallyRefused("the board holds no election definition before the tally")
    definition = defined[-1].payload.get("definition")
    if not isinstance(definition, dict):
        raise TallyRefused("the election definition on the board is invalid: not an object")
    try:
        _manifest, mh = read_definition(definition)
    except ContextError as exc:
        reason = exc.__cause__ or exc
        raise TallyRefused(f"the election definition on the board is invalid: {reason}") from exc
    if mh != share.manifest_hash:
        raise TallyRefused("this key file belongs to another election (manifest hash differs)")
    ceremonies = [e for e in before if e.kind == Kind.CEREMONY and e.seq > defined[-1].seq]
    if not ceremonies:
        raise TallyRefused("the board holds no key ceremony transcript before the tally")
    transcript = ceremonies[-1].payload.get("transcript")
    if not isinstance(transcript, dict):
        raise TallyRefused("your key does not fit the published ceremony: no transcript")
    texts = (json.dumps(definition), json.dumps(transcript))
    try:
        election = context_from_text(*texts)
        share.check(election.ceremony)
    except ContextError as exc:
        reason = exc.__cause__ or exc
        raise TallyRefused(f"your key does not fit the published ceremony: {reason}") from exc
    except (CeremonyError, ThresholdError) as exc:
        raise TallyRefused(f"your key does not fit the published ceremony: {exc}") from exc
    manifest, result, fingerprint = election.manifest, election.ceremony, election.fingerprint
    overruled = sorted(
        str(e.payload.get("challenge"))
        for e in before
        if e.kind == Kind.DECIDED and e.payload.get("decision") == "overruled"
    )
    counted_ballots: list[Any] = []
    counted_units: list[str | None] = []  # each entry's unit: its layout (per-unit races)
    counted_seqs: list[int] = []
    n_cast = 0
    replaced = _replaced(definition, before)
    for e in before:
        if e.kind == Kind.CAST and e.seq in replaced:
            continue  # revoting: a later ballot of the same member counts instead
        if e.kind == Kind.CAST:
            n_cast += 1
        if e.kind == Kind.CAST or (
            e.kind == Kind.CHALLENGED and e.payload.get("challenge") in overruled
        ):
            counted_ballots.append(e.payload.get("ballot"))
            counted_units.append(entry_unit(e))
            counted_seqs.append(e.seq)
    try:
        parsed = [EncryptedBallot.from_json(b) for b in counted_ballots]
    except (BallotError, ValueError) as exc:
        raise TallyRefused(f"cannot recompute the tally from the board: {exc}") from exc
    check_counted_ballots(texts, before, counted_seqs, parsed)
    try:
        expected = aggregate_units(manifest, zip(counted_units, parsed, strict=True))
        published = EncryptedTally.from_json(info.get("tally"), manifest)
    except (BallotError, TallyError, ValueError) as exc:
        raise TallyRefused(f"cannot recompute the tally from the board: {exc}") from exc
    summary = f"{len(parsed)} counted ballots ({n_cast} cast, {len(overruled)} overruled)"
    if published.ballots != expected.ballots:
        raise TallyRefused(
            f"the tally counts {published.ballots} ballots, but the public board holds {summary}"
        )
    if published.questions != expected.questions:
        where = next(
            (qi, si)
            for qi, (a, b) in enumerate(zip(published.questions, expected.questions, strict=True))
            for si, (x, y) in enumerate(zip(a, b, strict=True))
            if x != y
        )
        raise TallyRefused(
            "the tally is not the homomorphic sum of the "
            f"{summary} on the public board (first difference: question {where[0] + 1}, "
            f"slot {where[1] + 1})"
        )
    if published.question_ballots != expected.question_ballots:
        qi = next(
            i
            for i in range(len(published.questions))
            if published.ballots_of(i) != expected.ballots_of(i)
        )
        raise TallyRefused(
            f"the tally says {published.ballots_of(qi)} ballots carry question {qi + 1} (a "
            f"race of one unit), but {expected.ballots_of(qi)} of the {summary} on the "
            "public board do"
        )
    if info.get("counted") != {"cast": n_cast, "overruled": overruled}:
        raise TallyRefused(f"the tally's 'counted' summary does not match the board's {summary}")
    labelled = {
        slot_label(qi, si): ct
        for qi, slots in enumerate(published.questions)
        for si, ct in enumerate(slots)
    }
    labels = info.get("labels")
    if labels is not None and list(labels) != list(labelled):
        raise TallyRefused("the server's slot labels are not the tally's slots")
    assert isinstance(round_, int)
    units = _check_units(
        [e for e in before if e.seq not in replaced],
        payload,
        info,
        definition,
        manifest,
        overruled,
        round_,
    )
    return CheckedTally(
        round_, labelled, fingerprint, result.verification_keys[share.index], len(parsed), units
    )


def _replaced(definition: Mapping[str, Any], before: Sequence[BoardEntry]) -> set[int]:
    """Revoting (PROTOCOL 11.10): the seqs of cast ballots a later one of the same alias
    replaced (none when the definition does not allow revoting)."""
    try:
        if not revoting_of(definition):
            return set()
    except RevotingError as exc:
        raise TallyRefused(f"the election definition on the board is invalid: {exc}") from exc
    cast = [(e.seq, str(e.payload.get("alias"))) for e in before if e.kind == Kind.CAST]
    return set(replaced_ballots(cast))


def _check_units(
    before: Sequence[BoardEntry],
    payload: Mapping[str, Any],
    info: Mapping[str, Any],
    definition: Any,
    manifest: ElectionManifest,
    overruled: list[str],
    round_: int,
) -> dict[str, dict[str, Ciphertext]] | None:
    """The unit subtotals (PROTOCOL 10.5): pooled by the verifier's rule from the board's
    unit labels, each the homomorphic sum of exactly its pool's counted ballots."""
    try:
        min_size = subtotal_min_size(definition)
    except SubtotalsError as exc:
        raise TallyRefused(f"the election definition on the board is invalid: {exc}") from exc
    if min_size is None:
        if "units" in payload or "units" in info:
            raise TallyRefused("the tally carries unit subtotals the definition does not ask for")
        return None
    if payload.get("units") != info.get("units") or not isinstance(info.get("units"), dict):
        raise TallyRefused("the unit subtotals sent differ from the tally entry on the board")
    first = set(overruled)
    if round_ == 2:
        earlier = [e for e in before if e.kind == Kind.TALLY and e.payload.get("round") == 1]
        if not earlier:
            raise TallyRefused("a round-2 tally without a round-1 tally on the board")
        said = earlier[-1].payload.get("counted")
        before_round_one = said.get("overruled") if isinstance(said, dict) else None
        if not isinstance(before_round_one, list):
            raise TallyRefused("the round-1 tally on the board has no 'counted' summary")
        first = {str(c) for c in before_round_one}
    counted_now = set(overruled)
    base: dict[str, int] = {}
    labels: list[str] = []
    members: list[tuple[str, Any]] = []  # (unit, ballot JSON) of the ballots counted now
    for e in before:
        if e.kind not in BALLOT_KINDS:
            continue
        unit = str(e.payload.get("unit", ""))
        labels.append(unit)
        challenge = e.payload.get("challenge")
        if e.kind == Kind.CAST or challenge in first:
            base[unit] = base.get(unit, 0) + 1
        if e.kind == Kind.CAST or challenge in counted_now:
            members.append((unit, e.payload.get("ballot")))
    mapping = pool_units(base, labels, min_size)
    pools = pool_order(mapping.values())
    sent = info["units"]
    if sorted(sent) != sorted(pools):
        raise TallyRefused(
            f"the tally's unit subtotals are for {sorted(sent)!r}, but pooling the board's "
            f"units below {min_size} ballots gives {sorted(pools)!r}"
        )
    out: dict[str, dict[str, Ciphertext]] = {}
    for pool in pools:
        name = f"unit {pool!r}" if pool else "the other units' pool"
        mine = [b for unit, b in members if mapping[unit] == pool]
        try:
            expected = aggregate(manifest, [EncryptedBallot.from_json(b) for b in mine])
            published = EncryptedTally.from_json(sent[pool], manifest)
        except (BallotError, TallyError, ValueError) as exc:
            raise TallyRefused(f"cannot recompute the subtotal of {name}: {exc}") from exc
        if published.ballots != expected.ballots or published.questions != expected.questions:
            raise TallyRefused(
                f"the subtotal of {name} is not the homomorphic sum of its {len(mine)} counted "
                "ballots on the public board"
            )
        out[pool] = unit_labelled(pool, published)
    return out


@dataclass(frozen=True)
class TallyOutcome:
    """What one trustee's run did: the round, whether it was done already, whether it combined."""

    round: int
    ballots: int
    already: bool
    combined: bool
    result: Any


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _tally_answer(info: Mapping[str, Any]) -> tuple[int, int, int, list[int]]:
    """Round, board entry, ballots and trustees already in, from the server's (possibly
    hostile) tally answer: a missing or mistyped field is a refusal, never a traceback."""
    round_, seq, tally = info.get("round"), info.get("seq"), info.get("tally")
    submitted = info.get("submitted", [])
    ballots = tally.get("ballots") if isinstance(tally, dict) else None
    if not (
        _whole(round_)
        and _whole(seq)
        and _whole(ballots)
        and isinstance(submitted, list)
        and all(_whole(t) for t in submitted)
    ):
        raise TallyRefused(
            "the server's tally answer is malformed: it needs a round, a board entry number, "
            "a tally with its ballot count and the list of trustees already in"
        )
    assert isinstance(round_, int) and isinstance(seq, int) and isinstance(ballots, int)
    return round_, seq, ballots, submitted


def run_tally(
    client: TrusteeClient, election_id: str, share: TrusteeShare, *, report: Report = quiet
) -> TallyOutcome:
    """Download, check, decrypt, upload; raise TrusteeError (TallyRefused) if anything is off."""
    try:
        info = client.tally(election_id)
    except ServerRefused as exc:
        if exc.status == 409:
            raise TrusteeError(f"no tally is waiting for decryption: {exc.message}") from exc
        raise
    round_, seq, ballots, submitted = _tally_answer(info)
    report("step", f"downloaded the round {round_} encrypted tally (board entry {seq})")
    if share.index in submitted:
        report("info", f"trustee {share.index} has already decrypted round {round_}")
        return TallyOutcome(round_, ballots, True, False, None)
    entries = board_entries(client, election_id)
    report("step", f"downloaded the public board ({len(entries)} entries, hash chain intact)")
    checked = check_tally(entries, info, share)
    report(
        "step",
        f"recomputed the tally from the board's {checked.ballots} counted ballots: it matches",
    )
    partials = partial_decrypt_tally(
        share.index, share.secret_share, checked.labelled, checked.fingerprint
    )
    verify_partials(
        share.index, partials, checked.labelled, checked.verification_key, checked.fingerprint
    )
    units: dict[str, list[Any]] | None = None
    if checked.units is not None:
        units = {}
        for pool, labelled in checked.units.items():
            mine = partial_decrypt_tally(
                share.index, share.secret_share, labelled, checked.fingerprint
            )
            verify_partials(
                share.index, mine, labelled, checked.verification_key, checked.fingerprint
            )
            units[pool] = [p.to_json() for p in mine]
        report("step", f"made the partial decryptions of {len(units)} unit subtotal(s)")
    report("step", f"made {len(partials)} partial decryptions with proofs")
    answer = client.post_partials(election_id, round_, [p.to_json() for p in partials], units=units)
    report("step", "uploaded the partial decryptions; the server accepted them")
    return TallyOutcome(
        round_, checked.ballots, False, bool(answer.get("combined")), answer.get("result")
    )


__all__ = ["CheckedTally", "PartialDecryption", "TallyOutcome", "TallyRefused", "check_tally"]
