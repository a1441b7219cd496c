"""Writing many rows at once inside the caller's transaction: COPY on PostgreSQL.

Opening a 260,000-member vote writes a row per member into three tables (the roll,
the tokens, the invitations).  On PostgreSQL, multi-row INSERTs spend most of that
time binding parameters on both sides; ``COPY ... FROM STDIN`` in binary form (asyncpg's
``copy_records_to_table``) streams the rows instead, several times faster.  SQLite has
no COPY: there a Core INSERT of many rows is one prepared statement run many times
inside one write transaction, which is already its fast path.

The rows go into the session's open transaction either way, so the caller's commit or
rollback decides for them too: a failure part-way leaves nothing once rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import Any, cast

from sqlalchemy import Table, insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.store.base import Base
from ballot.store.types import UTCDateTime

#: Rows per INSERT statement on SQLite (and per COPY record batch in memory at once).
CHUNK = 5_000


def is_postgresql(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


def _stored_times(table: Table, columns: Sequence[str]) -> list[int]:
    """Positions of the UTCDateTime columns, whose values COPY must get as the type stores them."""
    return [i for i, name in enumerate(columns) if isinstance(table.c[name].type, UTCDateTime)]


def _as_stored(rows: Iterable[Sequence[Any]], positions: list[int]) -> Iterator[Sequence[Any]]:
    """Rows with aware datetimes turned into naive UTC (what UTCDateTime binds), once per value."""
    if not positions:
        yield from rows
        return
    seen: dict[datetime, datetime | None] = {}
    column_type = UTCDateTime()
    for row in rows:
        values = list(row)
        for i in positions:
            moment = values[i]
            if moment is not None:
                if len(seen) > 64:  # every row of one act shares its time: keep this small
                    seen.clear()
                if moment not in seen:
                    seen[moment] = column_type.process_bind_param(moment, None)
                values[i] = seen[moment]
        yield values


async def _asyncpg_connection(session: AsyncSession) -> Any:
    """The asyncpg connection under the session, inside the session's transaction.

    SQLAlchemy's asyncpg adapter begins its transaction with the first statement it
    runs; a COPY sent straight to asyncpg before that would commit on its own.
    """
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    if driver is None or not driver.is_in_transaction():
        await connection.execute(text("SELECT 1"))
        driver = raw.driver_connection
    assert driver is not None and driver.is_in_transaction()
    return driver


async def insert_rows(
    session: AsyncSession,
    model: type[Base],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> int:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``model``'s table; returns the count.

    Datetimes are aware, as everywhere in ballot (COPY bypasses the column types, so
    they are converted here as the UTCDateTime type would).  ``rows`` is consumed lazily, so a generator keeps memory bounded; if it
    raises, the exception propagates and the transaction must be rolled back.
    """
    table = cast(Table, model.__table__)
    if is_postgresql(session):
        counted = _Counted(_as_stored(rows, _stored_times(table, columns)))
        driver = await _asyncpg_connection(session)
        await driver.copy_records_to_table(table.name, records=counted, columns=list(columns))
        return counted.count
    total = 0
    iterator = iter(rows)
    statement = insert(table)
    while chunk := [dict(zip(columns, row, strict=True)) for row in islice(iterator, CHUNK)]:
        await session.execute(statement, chunk)
        total += len(chunk)
    return total


class _Counted:
    """An iterable that counts what it yields (COPY reports no row count to asyncpg)."""

    def __init__(self, rows: Iterable[Sequence[Any]]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Sequence[Any]]:
        for row in self.rows:
            self.count += 1
            yield row
