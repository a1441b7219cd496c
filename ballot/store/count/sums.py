"""Summing the board's counted ballots into encrypted tallies (the whole and per unit pool).

The encrypted tally is summed from the ``ballot.cast`` entries and the ``ballot.challenged``
entries whose challenge was overruled, reading the board a page at a time.  With
revoting (PROTOCOL 11.10) only the last ``ballot.cast`` of each alias is summed.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.crypto.ballots import EncryptedBallot
from ballot.crypto.manifest import ElectionManifest
from ballot.crypto.tally import EncryptedTally, aggregate, aggregate_units
from ballot.record.kinds import Kind
from ballot.record.units import pool_order, pool_units
from ballot.store.board import entries_of_kind
from ballot.store.cast_tables import ChallengedBallot
from ballot.store.count.state import payload_of
from ballot.store.models import BoardEntryRow
from ballot.store.revotes import is_replaced

#: Ballots read from the board per query while summing (bounds memory, not speed).
PAGE: Final = 2000


class CountBroken(RuntimeError):
    """The stored board contradicts itself; not the caller's fault, nothing to refuse."""


def add_tallies(a: EncryptedTally | None, b: EncryptedTally) -> EncryptedTally:
    """Homomorphic sum of two tallies (``a`` None: nothing summed yet)."""
    return b if a is None else a + b


def _ballots(rows: Iterable[tuple[int, str]]) -> Iterable[tuple[str | None, EncryptedBallot]]:
    """Each entry's ballot with the unit its entry names (its layout, PROTOCOL 8)."""
    for _seq, text in rows:
        payload = json.loads(text)
        yield payload.get("unit"), EncryptedBallot.from_json(payload["ballot"])


async def _cast_pages(
    session: AsyncSession, election_id: str, last_only: bool = False
) -> AsyncIterator[Sequence[tuple[int, str]]]:
    """The board's ``ballot.cast`` entries as (seq, payload text), a page at a time, so a
    large election is never held in memory at once.  ``last_only`` (revoting, PROTOCOL
    11.10): only the last ballot of each alias; the ones it replaced are left out."""
    last = -1
    where = [
        BoardEntryRow.election_id == election_id,
        BoardEntryRow.kind == Kind.CAST,
    ]
    if last_only:
        where.append(~is_replaced())
    while True:
        rows = (
            await session.execute(
                select(BoardEntryRow.seq, BoardEntryRow.payload)
                .where(*where, BoardEntryRow.seq > last)
                .order_by(BoardEntryRow.seq)
                .limit(PAGE)
            )
        ).all()
        if not rows:
            return
        last = rows[-1][0]
        yield [(r[0], r[1]) for r in rows]


async def encrypted_tally(
    session: AsyncSession,
    election_id: str,
    manifest: ElectionManifest,
    overruled: Sequence[str],
    last_only: bool = False,
) -> tuple[EncryptedTally, int]:
    """Sum every cast ballot on the board and the overruled challenged ones.

    Returns the tally and the number of cast ballots it counts (``last_only``, with
    revoting: the last of each member's).  Reads the board a page at a time so a large
    election does not hold every ballot in memory at once.
    """
    total: EncryptedTally | None = None
    cast = 0
    async for rows in _cast_pages(session, election_id, last_only):
        cast += len(rows)
        total = add_tallies(total, aggregate_units(manifest, _ballots(rows)))
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
                    BoardEntryRow.kind == Kind.CHALLENGED,
                    BoardEntryRow.seq.in_(seqs),
                )
            )
        ).all()
        if len(rows) != len(overruled):
            raise CountBroken("an overruled challenged ballot is missing from the board")
        counted = _ballots((r[0], r[1]) for r in rows)
        total = add_tallies(total, aggregate_units(manifest, counted))
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
    last_only: bool = False,
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
            per_unit[unit] = add_tallies(per_unit.get(unit), aggregate(manifest, ballots))

    async for rows in _cast_pages(session, election_id, last_only):
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
    for row in await entries_of_kind(session, election_id, (Kind.CHALLENGED,)):
        p = payload_of(row)
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
            pools[pool] = add_tallies(pools.get(pool), subtotal)
    return {p: pools.get(p) or aggregate(manifest, []) for p in pool_order(mapping.values())}
