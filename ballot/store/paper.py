"""Paper envelopes and hand counts as the board holds them, and the hand-count entries.

The board is the one record of envelopes (``paper.received``, ``paper.set_aside``) and of
posted hand counts (``paper.count``); this module reads them back for the committee's
pages and for the count, and keeps the first entry of a pool's hand count until a second
committee member's entry agrees or disagrees (:class:`HandCountEntry`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.crypto.manifest import ElectionManifest
from ballot.election.paper import PaperTotals, option_counts, paper_totals
from ballot.record.kinds import PAPER_KINDS, Kind
from ballot.record.units import envelope_pools
from ballot.store.board import entries_of_kind
from ballot.store.paper_tables import HandCountEntry


@dataclass
class Envelopes:
    """An election's envelopes and hand counts, from its board."""

    received: dict[str, str] = field(default_factory=dict)  # alias -> unit label
    set_aside: list[str] = field(default_factory=list)  # aliases, in board order
    counts: dict[str, dict[str, Any]] = field(default_factory=dict)  # pool -> paper.count

    def pools(self, min_size: int | None) -> dict[str, list[str]]:
        """Pool -> the sorted aliases of its envelopes (PROTOCOL 11.11)."""
        out: dict[str, list[str]] = {}
        for alias, pool in envelope_pools(self.received, min_size).items():
            out.setdefault(pool, []).append(alias)
        return {pool: sorted(aliases) for pool, aliases in sorted(out.items())}

    def uncounted(self, min_size: int | None) -> list[str]:
        """Pools with envelopes but no hand count on the board yet."""
        return [pool for pool in self.pools(min_size) if pool not in self.counts]

    def totals(self, manifest: ElectionManifest) -> PaperTotals | None:
        """Every posted hand count added up: the paper part of the result (None: no paper)."""
        return paper_totals(
            manifest,
            [
                (int(c["ballots"]), option_counts(manifest, c["questions"]))
                for c in self.counts.values()
            ],
        )


async def envelopes(session: AsyncSession, election_id: str) -> Envelopes:
    """The envelopes received and set aside, and the hand counts posted, in board order."""
    out = Envelopes()
    for row in await entries_of_kind(session, election_id, PAPER_KINDS):
        payload = json.loads(row.payload)
        if row.kind == Kind.PAPER_RECEIVED:
            out.received[payload["alias"]] = payload.get("unit", "")
        elif row.kind == Kind.PAPER_SET_ASIDE:
            out.set_aside.append(payload["alias"])
        else:
            out.counts[payload.get("unit", "")] = payload
    return out


async def has_envelope(session: AsyncSession, election_id: str, alias: str) -> bool:
    """Whether an envelope of this member was received (counted or to be counted)."""
    return alias in (await envelopes(session, election_id)).received


async def pending_entry(
    session: AsyncSession, election_id: str, pool: str
) -> HandCountEntry | None:
    """The first entry of a pool's hand count, waiting for a second member's."""
    return await session.scalar(
        select(HandCountEntry).where(
            HandCountEntry.election_id == election_id, HandCountEntry.pool == pool
        )
    )


async def pending_entries(session: AsyncSession, election_id: str) -> dict[str, HandCountEntry]:
    """Every pool's waiting first entry."""
    rows = await session.scalars(
        select(HandCountEntry).where(HandCountEntry.election_id == election_id)
    )
    return {row.pool: row for row in rows}


async def drop_entry(session: AsyncSession, election_id: str, pool: str) -> None:
    await session.execute(
        delete(HandCountEntry).where(
            HandCountEntry.election_id == election_id, HandCountEntry.pool == pool
        )
    )
