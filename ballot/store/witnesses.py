"""Cosignatures of signed heads as the server keeps and publishes them.

The checks are the service's (:mod:`ballot.service.witnesses`); this module stores the
accepted ones, looks up the head a cosignature names, and reads them back in the order
the record lists them (PROTOCOL.md, "Witnessed heads").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.record.cosign import Cosignature
from ballot.store.models import BoardHeadRow
from ballot.store.witness_tables import CosignatureRow


def to_cosignature(row: CosignatureRow) -> Cosignature:
    return Cosignature(
        row.election_id, row.witness, row.seq, row.head, row.signed_head, row.at, row.signature
    )


async def signed_head(
    session: AsyncSession, election_id: str, seq: int, head_hash: str
) -> BoardHeadRow | None:
    """The server's signed head on board entry ``seq`` whose own hash is ``head_hash``."""
    return await session.scalar(
        select(BoardHeadRow)
        .where(
            BoardHeadRow.election_id == election_id,
            BoardHeadRow.seq == seq,
            BoardHeadRow.hash == head_hash,
        )
        .limit(1)
    )


async def find_cosignature(
    session: AsyncSession, election_id: str, witness: str, head_hash: str
) -> CosignatureRow | None:
    return await session.scalar(
        select(CosignatureRow).where(
            CosignatureRow.election_id == election_id,
            CosignatureRow.witness == witness,
            CosignatureRow.signed_head == head_hash,
        )
    )


async def keep_cosignature(
    session: AsyncSession, cosignature: Cosignature, now: datetime
) -> CosignatureRow:
    row = CosignatureRow(
        election_id=cosignature.election_id,
        witness=cosignature.witness,
        seq=cosignature.seq,
        head=cosignature.head,
        signed_head=cosignature.signed_head,
        at=cosignature.at,
        signature=cosignature.signature,
        received_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def cosignatures(
    session: AsyncSession, election_id: str, after: int = -1, limit: int | None = None
) -> list[Cosignature]:
    """Accepted cosignatures in record order (board seq, witness key, time, signature),
    from board seq ``after`` on (exclusive)."""
    query = (
        select(CosignatureRow)
        .where(CosignatureRow.election_id == election_id, CosignatureRow.seq > after)
        .order_by(
            CosignatureRow.seq,
            CosignatureRow.witness,
            CosignatureRow.at,
            CosignatureRow.signature,
        )
    )
    if limit is not None:
        query = query.limit(limit)
    return [to_cosignature(row) for row in await session.scalars(query)]


async def cosignatures_page(
    session: AsyncSession, election_id: str, after: int, limit: int
) -> tuple[list[Cosignature], int | None]:
    """One page of :func:`cosignatures` after board seq ``after``, and where the next starts.

    A page never splits the cosignatures of one board entry (at most one per witness), so
    ``after`` = the last seq of a page is a cursor that loses and repeats nothing.
    """
    page = await cosignatures(session, election_id, after, limit)
    if len(page) < limit:
        return page, None
    last = page[-1].seq
    kept = [c for c in page if c.seq < last]
    if not kept:  # one entry fills the page: take all of its cosignatures
        rows = await session.scalars(
            select(CosignatureRow)
            .where(CosignatureRow.election_id == election_id, CosignatureRow.seq == last)
            .order_by(CosignatureRow.witness, CosignatureRow.at, CosignatureRow.signature)
        )
        kept = [to_cosignature(row) for row in rows]
    return kept, kept[-1].seq


async def latest_by_witness(session: AsyncSession, election_id: str) -> dict[str, dict[str, Any]]:
    """Per witness key: how many cosignatures, and the furthest board entry cosigned."""
    rows = await session.execute(
        select(CosignatureRow.witness, func.count(), func.max(CosignatureRow.seq))
        .where(CosignatureRow.election_id == election_id)
        .group_by(CosignatureRow.witness)
    )
    out: dict[str, dict[str, Any]] = {}
    for witness, count, seq in rows.all():
        at = await session.scalar(
            select(func.max(CosignatureRow.at)).where(
                CosignatureRow.election_id == election_id,
                CosignatureRow.witness == witness,
                CosignatureRow.seq == seq,
            )
        )
        out[witness] = {"count": int(count), "seq": int(seq), "at": at}
    return out


async def heads_page(
    session: AsyncSession, election_id: str, start: int, limit: int
) -> list[BoardHeadRow]:
    """Signed heads ``start`` .. ``start + limit - 1`` in signing order (heads are never
    removed, so a position means the same head forever)."""
    rows = await session.scalars(
        select(BoardHeadRow)
        .where(BoardHeadRow.election_id == election_id)
        .order_by(BoardHeadRow.id)
        .offset(start)
        .limit(limit)
    )
    return list(rows)
