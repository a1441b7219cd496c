"""Where the mix-net of an election's ranked races stands, read from its stored board.

The board is the single source of truth here as for the count: the lists entering the mix
are derived from its counted ballots (:func:`ballot.record.mix.input_lists`) and followed
through its ``mix.*`` entries, with the record's own functions, so the service reads the
board exactly as the verifier does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ballot.record.kinds import MIX_KINDS, Kind
from ballot.record.mix import MixBoard, follow, input_lists, ranked_races
from ballot.store.board import entries_of_kind, last_entry, to_entry

#: The entries the mix reads: the counted ballots, the decisions that count challenged
#: ones, the tallies that say which decisions came before the final round, the mix itself.
_KINDS = (Kind.CAST, Kind.CHALLENGED, Kind.DECIDED, Kind.TALLY, *MIX_KINDS)


@dataclass(frozen=True)
class StoredMix:
    """The mix as the board has it, and the board's last entry (what the lists stand at)."""

    board: MixBoard
    head_seq: int
    head_hash: str


async def stored_mix(
    session: AsyncSession, election_id: str, definition: Mapping[str, Any]
) -> StoredMix:
    """Follow the stored board's mix (its entries were checked when they were posted)."""
    entries = [to_entry(row) for row in await entries_of_kind(session, election_id, _KINDS)]
    board = follow(ranked_races(definition), input_lists(definition, entries), entries)
    last = await last_entry(session, election_id)
    return StoredMix(board, -1 if last is None else last.seq, "" if last is None else last.hash)
