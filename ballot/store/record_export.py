"""Write an election's record (the downloadable ZIP) from the stored board.

The record is made only from what the board, its signed heads and the witnesses'
cosignatures say, in their published form: :func:`ballot.record.export.build_record` lays it out, so the server
and any re-implementation agree on what a record is.  It refuses a board without a
final result.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from ballot.store.board import board_entries, board_heads, entry_json, head_json
from ballot.store.witnesses import cosignatures


class RecordUnavailable(RuntimeError):
    """No record can be written (no final result yet, or the record writer is missing)."""


async def export_record(
    session: AsyncSession, election_id: str, server_key_public_hex: str, path: Path
) -> None:
    """Write election ``election_id``'s record to ``path``.

    Raises :class:`RecordUnavailable` with the record layer's reason when the board
    cannot make a record yet (for instance: no final result on it).
    """
    try:
        from ballot.record.election_record import RecordFormatError
        from ballot.record.export import build_record
    except ImportError as exc:  # the record writer is part of the record layer
        raise RecordUnavailable(f"this build cannot write election records: {exc}") from exc
    entries = [entry_json(row) for row in await board_entries(session, election_id)]
    heads = [head_json(row) for row in await board_heads(session, election_id)]
    cosigned = [c.to_json() for c in await cosignatures(session, election_id)]
    try:
        build_record(entries, heads, server_key_public_hex, path, cosigned)
    except RecordFormatError as exc:
        raise RecordUnavailable(str(exc)) from exc
