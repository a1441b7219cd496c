"""The step ``mix`` (PROTOCOL 18.x): the mix-net of the ranked races, checked entry by entry.

The lifecycle (:mod:`.mix_entries`) has already placed the entries: the shuffles after the
final result, the chain completed after k of them, partial decryptions after it and the
result after k partials.  Here their content, in board order, so that the first failure is
the lowest board entry's: each race's input list derived from the board; every shuffle on
the list before it (:func:`ballot.record.mix.check_shuffled`, the service's own check);
every partial decryption's proof; the combination decoded and compared with the published
ballots; each race's count recomputed by :mod:`ballot.election.ranked` and compared key
by key.  Every message names the board entry and the race, and the trustee, position,
ballot or rank where there is one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ballot.crypto.threshold import ThresholdError, verify_partial
from ballot.election.ranked import RankedError
from ballot.record.bounded_json import bounded_loads
from ballot.record.kinds import BALLOT_KINDS, Kind
from ballot.record.mix import (
    MixBoard,
    MixError,
    MixPartial,
    Race,
    check_partial,
    check_shuffled,
    count_race,
    decrypt_lists,
    input_lists,
    labelled,
    parse_completed,
    parse_partial,
    parse_result,
    parse_shuffled,
    ranked_races,
)
from ballot.record.verify.ceremony import Context
from ballot.record.verify.report import failure
from ballot.record.verify.scan import Lifecycle

fail = failure("mix")


@dataclass(frozen=True)
class RaceMix:
    """What the record shows of one ranked race's mix, once verified (``ballot verify``
    prints it)."""

    race: str
    ballots: int  # items in the race's input list
    shufflers: tuple[int, ...]  # trustees whose shuffle of this race verified, in position order
    decryptors: tuple[int, ...]  # trustees whose partial decryptions verified
    count: Mapping[str, Any] | None  # the verified count (PROTOCOL 17.5); None: no result yet


@dataclass(frozen=True)
class _Entry:
    """A board entry as :func:`ballot.record.mix.input_lists` reads it."""

    seq: int
    kind: str
    payload: Mapping[str, Any]


def _slim(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A ballot entry without what the mix does not read (the proofs), so that a large
    board's input lists do not hold every proof in memory at once."""
    ballot = payload.get("ballot")
    questions = ballot.get("questions") if isinstance(ballot, dict) else None
    if not isinstance(questions, list):
        return dict(payload)
    slim = [
        {"slots": [{"alpha": s.get("alpha"), "beta": s.get("beta")} for s in q["slots"]]}
        if isinstance(q, dict)
        and isinstance(q.get("slots"), list)
        and all(isinstance(s, dict) for s in q["slots"])
        else q
        for q in questions
    ]
    return {**payload, "ballot": {"questions": slim}}


def _board(ctx: Context) -> Iterator[_Entry]:
    """Every entry the input lists depend on, in board order; ballot lines re-read (their
    payloads are not kept, :mod:`.scan`)."""
    for line in ctx.lines:
        if line.kind in BALLOT_KINDS:
            payload = bounded_loads(line.raw)["payload"]
            yield _Entry(line.seq, line.kind, _slim(payload))
        elif line.kind in (Kind.DECIDED, Kind.TALLY) and line.payload is not None:
            yield _Entry(line.seq, line.kind, line.payload)


def _where(seq: int, kind: str) -> str:
    return f"board entry {seq} ({kind})"


def _bad_partial(partial: MixPartial, board: MixBoard, key: Any, fp: bytes) -> str:
    """Which ciphertext a trustee's partial decryptions first fail on (for the message)."""
    for race in board.races:
        items = board.current[race.id]
        expected = list(labelled(race.id, items).items())
        for n, (p, (label, ct)) in enumerate(zip(partial.races[race.id], expected, strict=False)):
            try:
                verify_partial(p, ct, label, key, fp)
            except ThresholdError:
                w = race.ranks
                return f"; first at race '{race.id}', mixed ballot {n // w + 1}, rank {n % w + 1}"
    return ""


def _named(path: Sequence[str | int]) -> str:
    """``["rounds", 1, "counts", "jansen"]`` -> ``round 2, counts, jansen``."""
    words: list[str] = []
    for step in path:
        if isinstance(step, str):
            words.append(step)
        elif words and words[-1] == "rounds":
            words[-1] = f"round {step + 1}"
        else:
            words[-1:] = [f"{words[-1] if words else 'item'} {step + 1}"]
    return ", ".join(words) or "the count"


def _first_difference(expected: Any, given: Any, path: tuple[str | int, ...] = ()) -> str | None:
    """Where the published count first differs from the recount, key by key in the order
    of PROTOCOL 17.5; None if they are equal (JSON types compared too: 1 is not true)."""
    if isinstance(expected, dict) and isinstance(given, dict):
        for key, value in expected.items():
            if key not in given:
                return f"{_named(path)} has no {key!r}"
            found = _first_difference(value, given[key], (*path, key))
            if found:
                return found
        extra = sorted(set(given) - set(expected))
        return f"{_named(path)} has an unexpected {extra[0]!r}" if extra else None
    if isinstance(expected, list) and isinstance(given, list):
        for i, (a, b) in enumerate(zip(expected, given, strict=False)):
            found = _first_difference(a, b, (*path, i))
            if found:
                return found
        if len(expected) != len(given):
            return f"{_named(path)} has {len(given)} entries, the recount {len(expected)}"
        return None
    if isinstance(expected, dict | list):
        shape = "an object" if isinstance(expected, dict) else "a list"
        return f"{_named(path)} must be {shape}, {Kind.MIX_RESULT} has {_short(given)}"
    if type(expected) is not type(given) or expected != given:
        return (
            f"{_named(path)} is {_short(expected)} by the recount, {Kind.MIX_RESULT} says "
            f"{_short(given)}"
        )
    return None


def _short(value: Any) -> str:
    """A published value in a message, cut short (a hostile record's may be huge)."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _check_ballots(race: Race, decrypted: Sequence[Any], published: Sequence[Any], at: str) -> None:
    if len(published) != len(decrypted):
        raise fail(
            f"{at}: race '{race.id}': publishes {len(published)} ballots, the mixed list "
            f"decrypts to {len(decrypted)}"
        )
    for i, (mine, theirs) in enumerate(zip(decrypted, published, strict=True)):
        for j, (a, b) in enumerate(zip(mine, theirs, strict=True)):
            if a != b:
                raise fail(
                    f"{at}: race '{race.id}': mixed ballot {i + 1}, rank {j + 1} decrypts to "
                    f"{a!r}, {Kind.MIX_RESULT} says {_short(b)}"
                )


def check_mix(ctx: Context, life: Lifecycle) -> list[RaceMix]:
    """Check every mix entry; return each ranked race's verified mix (empty: no ranked race)."""
    ledger = life.mix
    election = ctx.election
    if ledger is None or election is None or ctx.definition is None:
        return []
    fp, keys = election.fingerprint, election.ceremony.verification_keys
    try:
        races = ranked_races(ctx.definition)
        inputs = input_lists(ctx.definition, _board(ctx))
    except MixError as exc:
        raise fail(f"the input lists of the ranked races cannot be derived: {exc}") from exc
    board = MixBoard(races, {q: tuple(items) for q, items in inputs.items()})
    shuffled_by: dict[str, list[int]] = {race.id: [] for race in races}
    for seq, trustee in ledger.shuffled:
        at = _where(seq, Kind.MIX_SHUFFLED)
        if trustee not in keys:
            raise fail(f"{at}: {trustee} is not a trustee of the key ceremony")
        try:
            shuffled = parse_shuffled(ctx.lines[seq].payload, races)
            board.current.update(
                check_shuffled(
                    shuffled, board, fingerprint=fp, public_key=election.joint_public_key
                )
            )
        except MixError as exc:
            raise fail(f"{at}: {exc}") from exc
        board.shufflers.append(trustee)
        for race in races:
            if board.current[race.id]:
                shuffled_by[race.id].append(trustee)
    if ledger.completed is not None:
        try:
            parse_completed(ctx.lines[ledger.completed].payload)
        except MixError as exc:
            raise fail(f"{_where(ledger.completed, Kind.MIX_COMPLETED)}: {exc}") from exc
        board.completed = True
    for seq, trustee in ledger.partials:
        at = _where(seq, Kind.MIX_PARTIAL)
        key = keys.get(trustee)
        if key is None:
            raise fail(f"{at}: {trustee} is not a trustee of the key ceremony")
        try:
            partial = parse_partial(ctx.lines[seq].payload, races)
        except MixError as exc:
            raise fail(f"{at}: {exc}") from exc
        try:
            check_partial(partial, board, fingerprint=fp, verification_key=key)
        except MixError as exc:
            first = _bad_partial(partial, board, key, fp)
            raise fail(
                f"{at}: partial decryption of the mixed ballots is invalid: {exc}{first}"
            ) from exc
        board.partials[trustee] = partial
    counts: dict[str, Mapping[str, Any]] = {}
    if ledger.result is not None:
        at = _where(ledger.result, Kind.MIX_RESULT)
        try:
            decrypted = decrypt_lists(
                races, board.current, list(board.partials.values()), keys, ledger.k, fp
            )
            published = parse_result(ctx.lines[ledger.result].payload, races)
        except MixError as exc:
            raise fail(f"{at}: {exc}") from exc
        for race in races:
            ballots, count = published[race.id]
            _check_ballots(race, decrypted[race.id], ballots, at)
            try:
                expected = count_race(race, decrypted[race.id], fp).to_json()
            except RankedError as exc:
                raise fail(f"{at}: race '{race.id}' cannot be counted: {exc}") from exc
            diff = _first_difference(expected, count)
            if diff is not None:
                raise fail(f"{at}: race '{race.id}': count edited: {diff}")
            counts[race.id] = count
    return [
        RaceMix(
            race.id,
            len(inputs[race.id]),
            tuple(shuffled_by[race.id]),
            tuple(board.partials),
            counts.get(race.id),
        )
        for race in races
    ]
