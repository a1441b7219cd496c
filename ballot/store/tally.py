"""The count, read from and written to the election's board, in rounds.

The board is the single source of truth for the count, as it is for the election
record: the encrypted tally is summed from the ``ballot.cast`` entries (and the
``ballot.challenged`` entries whose challenge was overruled), trustees' partial
decryptions are checked against the verification keys of the ``ceremony.completed``
transcript, and the result is made by :func:`ballot.record.verify.expected_result`,
the very function the verifier checks it with.  This module reads the board and does
the crypto; :mod:`ballot.web.operations` decides what may happen when and writes.

Rounds follow labour-board practice: round 1 counts the cast ballots (plus
challenges the parties already resolved); if the undecided challenges could change
the outcome (*determinative*), every challenge is decided and round 2 adds the
overruled ballots homomorphically before it is decrypted.  There are never more than
two rounds.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.crypto.ballots import EncryptedBallot
from ballot.crypto.ceremony import CeremonyResult
from ballot.crypto.elgamal import Ciphertext
from ballot.crypto.manifest import ElectionManifest
from ballot.crypto.tally import EncryptedTally, aggregate, counts_from_slots
from ballot.crypto.threshold import PartialDecryption, combine_tally, verify_partials
from ballot.record.election_record import slot_label
from ballot.record.units import (
    pool_order,
    pool_units,
    subtotal_min_size,
    unit_labelled,
    unit_slot_label,
)
from ballot.record.verify import expected_result
from ballot.store import ceremony
from ballot.store.board import entries_of_kind
from ballot.store.cast_tables import ChallengedBallot
from ballot.store.models import BoardEntryRow, Election

KIND_CAST: Final = "ballot.cast"
KIND_CHALLENGED: Final = "ballot.challenged"
KIND_DECIDED: Final = "challenge.decided"
KIND_TALLY: Final = "tally.encrypted"
KIND_PARTIAL: Final = "tally.partial"
KIND_RESULT: Final = "tally.result"
KIND_CERTIFIED: Final = "result.certified"
MAX_ROUNDS: Final = 2
#: Ballots read from the board per query while summing (bounds memory, not speed).
PAGE: Final = 2000


class TallyProblem(ValueError):
    """The count cannot go on; ``status`` is the HTTP status that fits, ``trustee`` whom
    a bad partial decryption came from."""

    def __init__(self, message: str, status: int = 409, trustee: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.trustee = trustee


# --------------------------------------------------------------------------- keys


@dataclass(frozen=True)
class ElectionKeys:
    """What the count needs from the definition and the ceremony (public data only)."""

    definition: dict[str, Any]
    manifest: ElectionManifest
    ceremony: CeremonyResult
    fingerprint: bytes

    @property
    def k(self) -> int:
        return self.ceremony.k

    @property
    def min_size(self) -> int | None:
        """Subtotals per unit: the minimum pool size; None when the election asks for none."""
        return subtotal_min_size(self.definition)

    @property
    def n(self) -> int:
        return self.ceremony.n


@lru_cache(maxsize=32)
def _keys(manifest_text: str, manifest_hash: str, transcript_text: str) -> ElectionKeys:
    definition = json.loads(manifest_text)
    digest = bytes.fromhex(manifest_hash)
    result = ceremony.verify(json.loads(transcript_text), digest)
    return ElectionKeys(
        definition,
        ElectionManifest.from_definition(definition),
        result,
        ceremony.fingerprint(digest, result),
    )


def election_keys(election: Election) -> ElectionKeys:
    """The election's manifest, trustee keys and fingerprint (cached: fixed once keyed).

    The stored transcript is verified again (it was when recorded): the verification
    keys the partial decryptions are checked against come only from a verified one.
    """
    if not (election.manifest and election.manifest_hash and election.ceremony):
        raise TallyProblem("this election has no finished key ceremony")
    return _keys(election.manifest, election.manifest_hash, election.ceremony)


def labelled(tally: EncryptedTally) -> dict[str, Ciphertext]:
    """Each tally slot under the label a partial decryption is bound to (``q0/s0``...)."""
    return {
        slot_label(qi, si): ct
        for qi, slots in enumerate(tally.questions)
        for si, ct in enumerate(slots)
    }


# --------------------------------------------------------------------------- the count so far


def _payload(row: BoardEntryRow) -> dict[str, Any]:
    value = json.loads(row.payload)
    assert isinstance(value, dict)
    return value


@dataclass
class CountState:
    """Where the count stands, as the board says."""

    challenges: list[ChallengedBallot]
    decisions: dict[str, tuple[str, str]]  # challenge id -> (decision, reason)
    tallies: dict[int, BoardEntryRow] = field(default_factory=dict)
    partials: dict[int, dict[int, BoardEntryRow]] = field(default_factory=dict)
    results: dict[int, BoardEntryRow] = field(default_factory=dict)
    certified: BoardEntryRow | None = None

    @property
    def pending_round(self) -> int | None:
        """The round whose tally is taken but not yet decrypted, if any."""
        for r, _row in sorted(self.tallies.items()):
            if r not in self.results:
                return r
        return None

    @property
    def final_round(self) -> int | None:
        """The round whose result is final: round 2, or a round 1 not determinative."""
        if 2 in self.results:
            return 2
        if 1 in self.results and not self.result(1)["determinative"]:
            return 1
        return None

    @property
    def latest_round(self) -> int | None:
        return max(self.results) if self.results else None

    def result(self, round_: int) -> dict[str, Any]:
        value = _payload(self.results[round_])["result"]
        assert isinstance(value, dict)
        return value

    def tally_payload(self, round_: int) -> dict[str, Any]:
        return _payload(self.tallies[round_])

    def overruled(self) -> list[str]:
        return sorted(c for c, (d, _) in self.decisions.items() if d == "overruled")

    def sustained(self) -> list[str]:
        return sorted(c for c, (d, _) in self.decisions.items() if d == "sustained")

    def undecided(self) -> list[str]:
        return [c.id for c in self.challenges if c.id not in self.decisions]

    def added_after_round_one(self) -> list[str]:
        """Overruled ballots that round 2 would add to what round 1 decrypted.

        If exactly one, its vote is deducible: round 2 minus round 1.
        """
        if 1 not in self.tallies:
            return []
        before = set(self.tally_payload(1)["counted"]["overruled"])
        return [c for c in self.overruled() if c not in before]


async def count_state(session: AsyncSession, election_id: str) -> CountState:
    challenges = list(
        await session.scalars(
            select(ChallengedBallot)
            .where(ChallengedBallot.election_id == election_id)
            .order_by(ChallengedBallot.board_seq)
        )
    )
    state = CountState(challenges, {})
    kinds = (KIND_DECIDED, KIND_TALLY, KIND_PARTIAL, KIND_RESULT, KIND_CERTIFIED)
    for row in await entries_of_kind(session, election_id, kinds):
        p = _payload(row)
        if row.kind == KIND_DECIDED:
            state.decisions[p["challenge"]] = (p["decision"], p["reason"])
        elif row.kind == KIND_TALLY:
            state.tallies[p["round"]] = row
        elif row.kind == KIND_PARTIAL:
            state.partials.setdefault(p["round"], {})[p["trustee"]] = row
        elif row.kind == KIND_RESULT:
            state.results[p["round"]] = row
        else:
            state.certified = row
    return state


# --------------------------------------------------------------------------- summing


def _add(a: EncryptedTally | None, b: EncryptedTally) -> EncryptedTally:
    if a is None:
        return b
    return EncryptedTally(
        a.ballots + b.ballots,
        tuple(
            tuple(x + y for x, y in zip(qa, qb, strict=True))
            for qa, qb in zip(a.questions, b.questions, strict=True)
        ),
    )


def _ballots(rows: Iterable[tuple[int, str]]) -> Iterable[EncryptedBallot]:
    for _seq, text in rows:
        yield EncryptedBallot.from_json(json.loads(text)["ballot"])


async def _cast_pages(
    session: AsyncSession, election_id: str
) -> AsyncIterator[Sequence[tuple[int, str]]]:
    """The board's ``ballot.cast`` entries as (seq, payload text), a page at a time, so a
    large election is never held in memory at once."""
    last = -1
    while True:
        rows = (
            await session.execute(
                select(BoardEntryRow.seq, BoardEntryRow.payload)
                .where(
                    BoardEntryRow.election_id == election_id,
                    BoardEntryRow.kind == KIND_CAST,
                    BoardEntryRow.seq > last,
                )
                .order_by(BoardEntryRow.seq)
                .limit(PAGE)
            )
        ).all()
        if not rows:
            return
        last = rows[-1][0]
        yield [(r[0], r[1]) for r in rows]


async def encrypted_tally(
    session: AsyncSession, election_id: str, manifest: ElectionManifest, overruled: Sequence[str]
) -> tuple[EncryptedTally, int]:
    """Sum every cast ballot on the board and the overruled challenged ones.

    Returns the tally and the number of cast ballots.  Reads the board a page at a
    time so a large election does not hold every ballot in memory at once.
    """
    total: EncryptedTally | None = None
    cast = 0
    async for rows in _cast_pages(session, election_id):
        cast += len(rows)
        total = _add(total, aggregate(manifest, _ballots(rows)))
    if overruled:
        seqs = list(
            await session.scalars(
                select(ChallengedBallot.board_seq).where(
                    ChallengedBallot.election_id == election_id,
                    ChallengedBallot.id.in_(list(overruled)),
                )
            )
        )
        rows = (
            await session.execute(
                select(BoardEntryRow.seq, BoardEntryRow.payload).where(
                    BoardEntryRow.election_id == election_id,
                    BoardEntryRow.kind == KIND_CHALLENGED,
                    BoardEntryRow.seq.in_(seqs),
                )
            )
        ).all()
        if len(rows) != len(overruled):
            raise TallyProblem("an overruled challenged ballot is missing from the board", 500)
        total = _add(total, aggregate(manifest, _ballots((r[0], r[1]) for r in rows)))
    if total is None:
        total = aggregate(manifest, [])
    return total, cast


async def unit_tallies(
    session: AsyncSession,
    election_id: str,
    manifest: ElectionManifest,
    min_size: int,
    overruled: Sequence[str],
    round_one_overruled: Sequence[str],
) -> dict[str, EncryptedTally]:
    """The pooled subtotals (PROTOCOL 10.5): per pool, the sum of its counted ballots.

    Pools come from :func:`ballot.record.units.pool_units` (the verifier's own rule) on
    the ballots round 1 counts (``round_one_overruled``: the challenges it counted), so a
    round 2 keeps round 1's pools.  Each ballot's unit is the label on its board entry.
    """
    per_unit: dict[str, EncryptedTally] = {}
    base: dict[str, int] = {}
    labels: set[str] = set()

    def add(rows: Sequence[tuple[str, EncryptedBallot]]) -> None:
        groups: dict[str, list[EncryptedBallot]] = {}
        for unit, ballot in rows:
            groups.setdefault(unit, []).append(ballot)
        for unit, ballots in groups.items():
            per_unit[unit] = _add(per_unit.get(unit), aggregate(manifest, ballots))

    async for rows in _cast_pages(session, election_id):
        page = []
        for _seq, text in rows:
            p = json.loads(text)
            unit = str(p.get("unit", ""))
            labels.add(unit)
            base[unit] = base.get(unit, 0) + 1
            page.append((unit, EncryptedBallot.from_json(p["ballot"])))
        add(page)
    counted = set(overruled)
    first = set(round_one_overruled)
    extra = []
    for row in await entries_of_kind(session, election_id, (KIND_CHALLENGED,)):
        p = _payload(row)
        unit = str(p.get("unit", ""))
        labels.add(unit)
        if p["challenge"] in first:
            base[unit] = base.get(unit, 0) + 1
        if p["challenge"] in counted:
            extra.append((unit, EncryptedBallot.from_json(p["ballot"])))
    add(extra)
    mapping = pool_units(base, labels, min_size)
    pools: dict[str, EncryptedTally] = {}
    for unit, subtotal in per_unit.items():
        pool = mapping.get(unit)
        if pool is not None:
            pools[pool] = _add(pools.get(pool), subtotal)
    return {p: pools.get(p) or aggregate(manifest, []) for p in pool_order(mapping.values())}


# --------------------------------------------------------------------------- decryption


def check_partials(
    keys: ElectionKeys, tally: EncryptedTally, trustee: int, partials_json: object
) -> list[PartialDecryption]:
    """Parse and verify one trustee's whole submission; :class:`TallyProblem` (400)
    naming the trustee if anything is wrong."""

    def bad(reason: str) -> TallyProblem:
        return TallyProblem(
            f"partial decryption from trustee {trustee} is invalid: {reason}", 400, trustee
        )

    key = keys.ceremony.verification_keys.get(trustee)
    if key is None:
        raise TallyProblem(f"trustee {trustee} holds no key share of this election", 403)
    if not isinstance(partials_json, list):
        raise bad("'partials' must be a list of partial decryptions")
    try:
        parsed = [PartialDecryption.from_json(p) for p in partials_json]
        verify_partials(trustee, parsed, labelled(tally), key, keys.fingerprint)
    except ValueError as exc:  # ThresholdError and malformed group elements alike
        raise bad(getattr(exc, "reason", None) or str(exc)) from exc
    return parsed


def check_unit_partials(
    keys: ElectionKeys, units: Mapping[str, EncryptedTally], trustee: int, units_json: object
) -> dict[str, list[PartialDecryption]]:
    """Parse and verify one trustee's partial decryptions of every pool's subtotal;
    :class:`TallyProblem` (400) naming the trustee and the unit if anything is wrong."""
    key = keys.ceremony.verification_keys.get(trustee)
    if key is None:
        raise TallyProblem(f"trustee {trustee} holds no key share of this election", 403)
    if not isinstance(units_json, dict) or sorted(units_json) != sorted(units):
        raise TallyProblem(
            f"partial decryption from trustee {trustee} is invalid: 'units' must hold the "
            f"partial decryptions of the subtotals {sorted(units)!r}",
            400,
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
            raise TallyProblem(
                f"partial decryption from trustee {trustee} is invalid for unit {pool!r}: {reason}",
                400,
                trustee,
            ) from exc
        out[pool] = parsed
    return out


def combine_units(
    keys: ElectionKeys,
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
            counts = [
                counts_from_slots(
                    keys.manifest,
                    qi,
                    [slots[unit_slot_label(pool, qi, si)] for si in range(len(q))],
                    subtotal.ballots,
                )
                for qi, q in enumerate(subtotal.questions)
            ]
        except ValueError as exc:
            raise TallyProblem(
                f"the partial decryptions of unit {pool!r} do not combine: {exc}", 500
            ) from exc
        out[pool] = (subtotal.ballots, counts)
    return out


def combine_result(
    keys: ElectionKeys,
    tally: EncryptedTally,
    submissions: Mapping[int, Sequence[PartialDecryption]],
    *,
    eligible: int,
    cast: int,
    challenged: int,
    sustained: int,
    overruled: int,
    units: Mapping[str, tuple[int, Sequence[Any]]] | None = None,
) -> dict[str, Any]:
    """Decrypt the tally from k trustees' partials and make the result the verifier
    expects (:func:`ballot.record.verify.expected_result`, never a second copy)."""
    every = [p for trustee in sorted(submissions) for p in submissions[trustee]]
    try:
        slots = combine_tally(
            labelled(tally), every, keys.ceremony.verification_keys, keys.k, keys.fingerprint
        )
        counts = [
            counts_from_slots(
                keys.manifest,
                qi,
                [slots[slot_label(qi, si)] for si in range(len(q))],
                tally.ballots,
            )
            for qi, q in enumerate(tally.questions)
        ]
    except ValueError as exc:
        raise TallyProblem(f"the partial decryptions do not combine: {exc}", 500) from exc
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
    )


def parse_partials(row: BoardEntryRow) -> list[PartialDecryption]:
    return [PartialDecryption.from_json(p) for p in _payload(row)["partials"]]


def parse_tally(keys: ElectionKeys, row: BoardEntryRow) -> EncryptedTally:
    return EncryptedTally.from_json(_payload(row)["tally"], keys.manifest)


def parse_units(keys: ElectionKeys, row: BoardEntryRow) -> dict[str, EncryptedTally]:
    """The pooled subtotals of a ``tally.encrypted`` entry ({} if it has none)."""
    raw = _payload(row).get("units") or {}
    return {pool: EncryptedTally.from_json(t, keys.manifest) for pool, t in raw.items()}


def parse_unit_partials(row: BoardEntryRow) -> dict[str, list[PartialDecryption]]:
    raw = _payload(row).get("units") or {}
    return {pool: [PartialDecryption.from_json(p) for p in ps] for pool, ps in raw.items()}
