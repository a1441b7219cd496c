"""The statements of one cast transaction, for PostgreSQL (asyncpg) and SQLite (Core).

:func:`ballot.store.casting.commit.commit_group` holds the logic; a writer only says how
each step is spoken to its database.  Set-based: the same few statements whatever the
batch size, so the election's lock is held for a handful of round trips.
"""

from __future__ import annotations

import typing
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, and_, delete, insert, or_, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ballot.record.signing import SignedHead
from ballot.store.board import head_values
from ballot.store.cast_tables import BallotAlpha, CastBallot, ChallengedBallot
from ballot.store.models import BoardEntryRow, BoardHeadRow, Voter, VoterToken

# What the writer must read about the election, in one statement: its state, the board's
# last entry and the last signed head.  On PostgreSQL it runs after the election row lock
# (a separate statement: under READ COMMITTED a statement's snapshot is taken when it
# starts, so a locking SELECT would see the board as it was before it waited).
_SNAPSHOT = """
    SELECT e.state, b.seq, b.hash, h.election_id, h.seq, h.head, h.at, h.prev, h.signature
      FROM elections e
      LEFT JOIN board_entries b ON b.election_id = e.id
            AND b.seq = (SELECT max(seq) FROM board_entries WHERE election_id = e.id)
      LEFT JOIN board_heads h ON h.id = (SELECT max(id) FROM board_heads WHERE election_id = e.id)
     WHERE e.id = {election}
    """
_SNAPSHOT_SQL = text(_SNAPSHOT.format(election=":election"))
_LOCK_SQL = text("SELECT id FROM elections WHERE id = :election FOR UPDATE")
_T_ALPHA = typing.cast(Table, BallotAlpha.__table__)
_T_TOKEN = typing.cast(Table, VoterToken.__table__)
_T_VOTER = typing.cast(Table, Voter.__table__)
_T_ENTRY = typing.cast(Table, BoardEntryRow.__table__)
_T_HEAD = typing.cast(Table, BoardHeadRow.__table__)
_T_CAST = typing.cast(Table, CastBallot.__table__)
_T_CHALLENGED = typing.cast(Table, ChallengedBallot.__table__)


def _naive_utc(moment: datetime) -> datetime:
    """How ``UTCDateTime`` columns store a time (naive UTC), for statements sent directly."""
    return moment.astimezone(UTC).replace(tzinfo=None)


# PostgreSQL statements of the writer, sent straight to asyncpg (prepared once per
# connection): SQLAlchemy's work per statement cost about as much as a round trip, and a
# batch runs a handful of them.  Arrays carry the batch's rows.
_PG_LOCK = "SELECT id FROM elections WHERE id = $1 FOR UPDATE"
_PG_SNAPSHOT = _SNAPSHOT.format(election="$1")
_PG_ALPHAS = (
    "INSERT INTO ballot_alphas (election_id, alpha, use) "
    "SELECT $1, a, u FROM unnest($2::varchar[], $3::varchar[]) AS x(a, u) "
    "ON CONFLICT DO NOTHING RETURNING alpha"
)
_PG_USE_TOKENS = """
    WITH used AS (
        UPDATE voter_tokens SET status = 'used', ended_at = $2
         WHERE id = ANY($1::integer[]) AND status = 'active'
        RETURNING id, voter_id
    ), voted AS (
        UPDATE voters SET voted_at = $2, voted_channel = 'online'
          FROM used WHERE voters.id = used.voter_id
    )
    SELECT id FROM used
    """
# The same for a revoting election: a link already used casts again ($3: those that may).
_PG_USE_AGAIN = _PG_USE_TOKENS.replace(
    "AND status = 'active'",
    "AND (status = 'active' OR (status = 'used' AND id = ANY($3::integer[])))",
)
assert _PG_USE_AGAIN != _PG_USE_TOKENS
_PG_FORGET_ALPHAS = (
    "DELETE FROM ballot_alphas WHERE election_id = $1 AND alpha = ANY($2::varchar[])"
)
# The board entries, the ballots (main count or challenged pool) and the signed head of a
# batch, in one statement.
_PG_APPEND = """
    WITH entries AS (
        INSERT INTO board_entries (election_id, seq, kind, at, payload, prev, hash, alias)
        SELECT $1, * FROM unnest($2::integer[], $3::varchar[], $4::varchar[], $5::text[],
                                 $6::varchar[], $7::varchar[], $23::varchar[])
    ), casts AS (
        INSERT INTO cast_ballots (election_id, tracker, board_seq, ballot, cast_at)
        SELECT $1, t, s, b, $8 FROM unnest($9::varchar[], $10::integer[], $11::text[]) AS x(t, s, b)
    ), challenged AS (
        INSERT INTO challenged_ballots (id, election_id, voter_id, tracker, board_seq, ballot,
                                        cast_at)
        SELECT i, $1, v, t, s, b, $8
          FROM unnest($12::varchar[], $13::integer[], $14::varchar[], $15::integer[],
                      $16::text[]) AS x(i, v, t, s, b)
    )
    INSERT INTO board_heads (election_id, seq, head, at, prev, signature, hash)
    VALUES ($1, $17, $18, $19, $20, $21, $22)
    """


class Writer:
    """The statements of one cast transaction (the logic is the commit's)."""

    locks_first = True  # lock (and read the board tip) before the first write

    async def lock(self, election_id: str) -> Any:
        raise NotImplementedError

    async def snapshot(self, election_id: str) -> Any:
        raise NotImplementedError

    async def insert_alphas(self, election_id: str, rows: list[tuple[str, str]]) -> set[str]:
        raise NotImplementedError

    async def use_tokens(
        self,
        ids: list[int],
        voter_ids: dict[int, int],
        now: datetime,
        again: set[int] | frozenset[int] = frozenset(),
    ) -> set[int]:
        """Use the still-active links among ``ids`` and mark their voters; the used ids.

        ``again`` (revoting): links that may cast although already used.
        """
        raise NotImplementedError

    async def forget_alphas(self, election_id: str, alphas: list[str]) -> None:
        raise NotImplementedError

    async def append(
        self,
        election_id: str,
        entries: list[dict[str, Any]],
        casts: list[dict[str, Any]],
        challenged: list[dict[str, Any]],
        head: SignedHead,
        now: datetime,
    ) -> None:
        raise NotImplementedError


class CoreWriter(Writer):
    """SQLAlchemy Core, for SQLite (and any other engine)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.locks_first = conn.dialect.name == "postgresql"

    async def lock(self, election_id: str) -> Any:
        await self.conn.execute(_LOCK_SQL, {"election": election_id})
        return await self.snapshot(election_id)

    async def snapshot(self, election_id: str) -> Any:
        return (await self.conn.execute(_SNAPSHOT_SQL, {"election": election_id})).one()

    async def insert_alphas(self, election_id: str, rows: list[tuple[str, str]]) -> set[str]:
        dialect_insert: Any = pg_insert if self.locks_first else sqlite_insert
        # executemany of one cached statement (SQLAlchemy batches it into multi-row VALUES).
        stmt = dialect_insert(_T_ALPHA).on_conflict_do_nothing().returning(_T_ALPHA.c.alpha)
        values = [{"election_id": election_id, "alpha": a, "use": u} for a, u in rows]
        return {r[0] for r in await self.conn.execute(stmt, values)}

    async def use_tokens(
        self,
        ids: list[int],
        voter_ids: dict[int, int],
        now: datetime,
        again: set[int] | frozenset[int] = frozenset(),
    ) -> set[int]:
        usable = _T_TOKEN.c.status == "active"
        if again:
            usable = or_(usable, and_(_T_TOKEN.c.status == "used", _T_TOKEN.c.id.in_(again)))
        result = await self.conn.execute(
            update(_T_TOKEN)
            .where(_T_TOKEN.c.id.in_(ids), usable)
            .values(status="used", ended_at=now)
            .returning(_T_TOKEN.c.id)
        )
        used = {r[0] for r in result}
        if used:
            await self.conn.execute(
                update(_T_VOTER)
                .where(_T_VOTER.c.id.in_([voter_ids[t] for t in used]))
                .values(voted_at=now, voted_channel="online")
            )
        return used

    async def forget_alphas(self, election_id: str, alphas: list[str]) -> None:
        await self.conn.execute(
            delete(_T_ALPHA).where(
                _T_ALPHA.c.election_id == election_id, _T_ALPHA.c.alpha.in_(alphas)
            )
        )

    async def append(
        self,
        election_id: str,
        entries: list[dict[str, Any]],
        casts: list[dict[str, Any]],
        challenged: list[dict[str, Any]],
        head: SignedHead,
        now: datetime,
    ) -> None:
        # RETURNING makes SQLAlchemy send one multi-row INSERT per table.
        await self.conn.execute(insert(_T_ENTRY).returning(_T_ENTRY.c.id), entries)
        if casts:
            await self.conn.execute(insert(_T_CAST).returning(_T_CAST.c.id), casts)
        if challenged:
            await self.conn.execute(insert(_T_CHALLENGED).returning(_T_CHALLENGED.c.id), challenged)
        await self.conn.execute(insert(_T_HEAD), head_values(head))


class PgWriter(Writer):
    """asyncpg directly, for PostgreSQL: six statements per batch, whatever its size."""

    def __init__(self, driver: Any) -> None:
        self.db = driver

    async def lock(self, election_id: str) -> Any:
        await self.db.fetchval(_PG_LOCK, election_id)
        return await self.snapshot(election_id)

    async def snapshot(self, election_id: str) -> Any:
        return tuple(await self.db.fetchrow(_PG_SNAPSHOT, election_id))

    async def insert_alphas(self, election_id: str, rows: list[tuple[str, str]]) -> set[str]:
        found = await self.db.fetch(
            _PG_ALPHAS, election_id, [a for a, _ in rows], [u for _, u in rows]
        )
        return {r[0] for r in found}

    async def use_tokens(
        self,
        ids: list[int],
        voter_ids: dict[int, int],
        now: datetime,
        again: set[int] | frozenset[int] = frozenset(),
    ) -> set[int]:
        if again:
            found = await self.db.fetch(_PG_USE_AGAIN, ids, _naive_utc(now), sorted(again))
        else:
            found = await self.db.fetch(_PG_USE_TOKENS, ids, _naive_utc(now))
        return {r[0] for r in found}

    async def forget_alphas(self, election_id: str, alphas: list[str]) -> None:
        await self.db.execute(_PG_FORGET_ALPHAS, election_id, alphas)

    async def append(
        self,
        election_id: str,
        entries: list[dict[str, Any]],
        casts: list[dict[str, Any]],
        challenged: list[dict[str, Any]],
        head: SignedHead,
        now: datetime,
    ) -> None:
        def column(rows: list[dict[str, Any]], name: str) -> list[Any]:
            return [r[name] for r in rows]

        await self.db.execute(
            _PG_APPEND,
            election_id,
            *(column(entries, c) for c in ("seq", "kind", "at", "payload", "prev", "hash")),
            _naive_utc(now),
            *(column(casts, c) for c in ("tracker", "board_seq", "ballot")),
            *(column(challenged, c) for c in ("id", "voter_id", "tracker", "board_seq", "ballot")),
            head.seq,
            head.head_hash,
            head.at,
            head.prev,
            head.signature,
            head.hash,
            column(entries, "alias"),
        )
