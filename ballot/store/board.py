"""The election's public bulletin board, stored as a hash chain per election.

Each entry links to the one before by hash and is signed with the server's Ed25519
board key, so anyone holding the record can check nothing was dropped, reordered or
rewritten.  The chain rules themselves live in :mod:`ballot.record.board`; this module
only keeps entries in the database and makes appends to one election's board happen
one at a time (the election row is locked on PostgreSQL; SQLite serialises writers).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.store import chain
from ballot.store.models import BoardEntryRow, Election


async def append_board(
    session: AsyncSession,
    election_id: str,
    kind: str,
    payload: dict[str, Any],
    at: datetime,
    signer: Any | None = None,
) -> BoardEntryRow:
    """Append one entry to an election's board (in the caller's transaction)."""
    await session.execute(select(Election.id).where(Election.id == election_id).with_for_update())
    last = await session.scalar(
        select(BoardEntryRow)
        .where(BoardEntryRow.election_id == election_id)
        .order_by(BoardEntryRow.seq.desc())
        .limit(1)
    )
    entry = chain.board_append(last, kind, payload, at)
    row = BoardEntryRow(
        election_id=election_id,
        seq=entry.seq,
        kind=entry.kind,
        at=entry.at,
        payload=entry.payload_json,
        prev=entry.prev,
        hash=entry.hash,
        signature=signer.sign(bytes.fromhex(entry.hash)).hex() if signer is not None else None,
    )
    session.add(row)
    await session.flush()
    return row


async def board_entries(session: AsyncSession, election_id: str) -> list[BoardEntryRow]:
    rows = await session.scalars(
        select(BoardEntryRow)
        .where(BoardEntryRow.election_id == election_id)
        .order_by(BoardEntryRow.seq)
    )
    return list(rows)


def entry_json(row: BoardEntryRow) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "kind": row.kind,
        "at": row.at,
        "payload": json.loads(row.payload),
        "prev": row.prev,
        "hash": row.hash,
        "signature": row.signature,
    }
