"""The election's public bulletin board, stored as a hash chain per election, with signed heads.

Entries are built by :mod:`ballot.record.board` (this module never computes a hash
itself); it keeps them in ``board_entries`` and makes appends to one election's board
happen one at a time (the election row is locked on PostgreSQL; SQLite serialises
writers).  After an append the caller may sign the new head
(:func:`sign_board_head`): a signed head chains to the previous one, so a server that
rewrote its board could be caught by anyone holding an older head.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.election.refusal import Refused
from ballot.record.board import BoardEntry, append
from ballot.record.canonical import canonical_json, sha256_hex
from ballot.record.chain import format_at, record_at
from ballot.record.kinds import (
    ALIAS_KINDS,
    BALLOT_KINDS,
    NOTE_PREFIX,
    Kind,
    is_final_result,
    is_note,
    may_follow_final,
)
from ballot.record.signing import ServerKey, SignedHead, sign_head
from ballot.store.models import BoardEntryRow, BoardHeadRow, Election


def to_entry(row: BoardEntryRow) -> BoardEntry:
    return BoardEntry(row.seq, row.kind, row.at, json.loads(row.payload), row.prev)


async def last_entry(session: AsyncSession, election_id: str) -> BoardEntryRow | None:
    return await session.scalar(
        select(BoardEntryRow)
        .where(BoardEntryRow.election_id == election_id)
        .order_by(BoardEntryRow.seq.desc())
        .limit(1)
    )


async def append_board(
    session: AsyncSession,
    election_id: str,
    kind: str,
    payload: dict[str, Any],
    at: datetime,
) -> BoardEntryRow:
    """Append one entry to an election's board (in the caller's transaction).

    The new entry links to the stored hash of the last one (the server's own rows: its
    payload, which may be a roll of 260,000 aliases, is neither read nor hashed again),
    and the entry is canonicalised once, for its hash and its stored payload alike.

    Refused (:class:`Refused`, ``board_closed``) for anything but the certification and
    notes once the final result is on the board, and for anything but notes after the
    certification: a witness that cosigned the final head must be able to count on it.

    Its time is ``at``, or the last entry's if that is later: an act whose clock was read
    before a concurrent cast committed must not make the board's times go back
    (PROTOCOL 11.9); the entry is written after that cast anyway.
    """
    await session.execute(select(Election.id).where(Election.id == election_id).with_for_update())
    await _refuse_after_final(session, election_id, kind)
    last = (
        await session.execute(
            select(BoardEntryRow.seq, BoardEntryRow.hash, BoardEntryRow.at)
            .where(BoardEntryRow.election_id == election_id)
            .order_by(BoardEntryRow.seq.desc())
            .limit(1)
        )
    ).first()
    if last is None:
        entry = append(None, kind, payload, record_at(at))
    else:
        # Never dated before the entry it follows (PROTOCOL 11.9): an act's clock may have
        # been read before a cast that committed first.
        stamp = max(record_at(at), last.at)
        entry = BoardEntry(last.seq + 1, kind, stamp, dict(payload), last.hash)
    body = canonical_json(entry.body())
    row = BoardEntryRow(
        election_id=election_id,
        seq=entry.seq,
        kind=entry.kind,
        at=entry.at,
        payload=_payload_text(entry, body),
        prev=entry.prev,
        hash=sha256_hex(body),
        alias=alias_of(kind, payload),
    )
    session.add(row)
    await session.flush()
    return row


async def _refuse_after_final(session: AsyncSession, election_id: str, kind: str) -> None:
    """Refuse ``kind`` if the last entry that is not a note is the final result or the
    certification, and ``kind`` may not follow it."""
    if is_note(kind):
        return
    # The last entry's seq and kind only: its payload (a committed roll can be megabytes)
    # is read when it is a result.
    last = (
        await session.execute(
            select(BoardEntryRow.seq, BoardEntryRow.kind)
            .where(
                BoardEntryRow.election_id == election_id,
                ~BoardEntryRow.kind.startswith(NOTE_PREFIX, autoescape=True),
            )
            .order_by(BoardEntryRow.seq.desc())
            .limit(1)
        )
    ).first()
    if last is None:
        return
    certified = last.kind == Kind.CERTIFIED
    final = certified or (
        last.kind == Kind.RESULT
        and is_final_result(json.loads(await _payload(session, election_id, last.seq)))
    )
    if not final or may_follow_final(kind, certified):
        return
    if certified:
        raise Refused(
            f"the result is certified (board entry {last.seq}): only notes may follow it, "
            f"not '{kind}'",
            code="board_closed",
        )
    raise Refused(
        f"the final result is on the board (board entry {last.seq}): only its certification "
        f"and notes may follow it, not '{kind}'",
        code="board_closed",
    )


def _payload_text(entry: BoardEntry, body: bytes) -> str:
    """The payload's canonical text, cut from the canonical body it is part of.

    The body's keys sort as at, kind, payload, prev, seq, and the others' values are plain
    ASCII (a record time, a dotted kind, hex, a number), so the payload is what lies between
    a known prefix and suffix; anything else is canonicalised on its own.
    """
    prefix = f'{{"at":"{entry.at}","kind":"{entry.kind}","payload":'.encode()
    suffix = f',"prev":"{entry.prev}","seq":{entry.seq}}}'.encode()
    if body.startswith(prefix) and body.endswith(suffix):
        return body[len(prefix) : len(body) - len(suffix)].decode("utf-8")
    return canonical_json(entry.payload).decode("utf-8")  # pragma: no cover - by construction


def alias_of(kind: str, payload: dict[str, Any]) -> str | None:
    """The alias a ballot or link entry names (kept in its own column for the look-up)."""
    if kind not in ALIAS_KINDS and kind not in BALLOT_KINDS:
        return None
    alias = payload.get("alias")
    return alias if isinstance(alias, str) else None


async def _payload(session: AsyncSession, election_id: str, seq: int) -> str:
    text = await session.scalar(
        select(BoardEntryRow.payload).where(
            BoardEntryRow.election_id == election_id, BoardEntryRow.seq == seq
        )
    )
    return text or "{}"


def to_head(row: BoardHeadRow) -> SignedHead:
    return SignedHead(row.election_id, row.seq, row.head, row.at, row.prev, row.signature)


async def latest_head(session: AsyncSession, election_id: str) -> BoardHeadRow | None:
    return await session.scalar(
        select(BoardHeadRow)
        .where(BoardHeadRow.election_id == election_id)
        .order_by(BoardHeadRow.id.desc())
        .limit(1)
    )


def head_values(head: SignedHead) -> dict[str, Any]:
    """The ``board_heads`` row of a signed head (column name -> value): one builder for
    the ORM path here and the cast path's direct statements."""
    return {
        "election_id": head.election_id,
        "seq": head.seq,
        "head": head.head_hash,
        "at": head.at,
        "prev": head.prev,
        "signature": head.signature,
        "hash": head.hash,
    }


async def sign_board_head(
    session: AsyncSession, election_id: str, key: ServerKey, at: datetime
) -> BoardHeadRow | None:
    """Sign the board's current last entry, chained to the previous signed head."""
    last = await last_entry(session, election_id)
    if last is None:
        return None
    previous = await latest_head(session, election_id)
    if previous is not None and previous.seq == last.seq:
        return previous
    # Never dated before the entry it signs, nor before the previous head (PROTOCOL 11.9).
    stamp = max(format_at(at), last.at, previous.at if previous is not None else "")
    head = sign_head(
        key, election_id, to_entry(last), stamp, to_head(previous) if previous is not None else None
    )
    row = BoardHeadRow(**head_values(head))
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


async def board_heads(session: AsyncSession, election_id: str) -> list[BoardHeadRow]:
    rows = await session.scalars(
        select(BoardHeadRow)
        .where(BoardHeadRow.election_id == election_id)
        .order_by(BoardHeadRow.id)
    )
    return list(rows)


async def count_kinds(
    session: AsyncSession, election_id: str, kinds: tuple[str, ...]
) -> dict[str, int]:
    """How many entries of each kind the board holds (0 for a kind it lacks)."""
    rows = await session.execute(
        select(BoardEntryRow.kind, func.count())
        .where(BoardEntryRow.election_id == election_id, BoardEntryRow.kind.in_(kinds))
        .group_by(BoardEntryRow.kind)
    )
    found = {kind: int(n) for kind, n in rows.all()}
    return {kind: found.get(kind, 0) for kind in kinds}


async def entries_of_kind(
    session: AsyncSession, election_id: str, kinds: tuple[str, ...]
) -> list[BoardEntryRow]:
    """The board's entries of the given kinds, in board order."""
    rows = await session.scalars(
        select(BoardEntryRow)
        .where(BoardEntryRow.election_id == election_id, BoardEntryRow.kind.in_(kinds))
        .order_by(BoardEntryRow.seq)
    )
    return list(rows)


def entry_json(row: BoardEntryRow) -> dict[str, Any]:
    """The published form of an entry (as :meth:`BoardEntry.to_json`)."""
    return to_entry(row).to_json()


def head_json(row: BoardHeadRow) -> dict[str, Any]:
    return to_head(row).to_json()
