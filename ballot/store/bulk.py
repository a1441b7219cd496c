"""Writing many rows at once inside the caller's transaction: COPY on PostgreSQL.

Opening a 260,000-member vote writes a row per member into three tables (the roll,
the tokens, the invitations).  On PostgreSQL, multi-row INSERTs spend most of that
time binding parameters on both sides; ``COPY ... FROM STDIN`` in binary form (asyncpg's
``copy_records_to_table``) streams the rows instead, several times faster.  SQLite has
no COPY: its fast path is one prepared INSERT run for a few thousand rows at a time
(``executemany`` on the driver), without building a mapping per row.

Either way the values go in as the column types would bind them (aware datetimes
become naive UTC, booleans what the engine stores), and the rows belong to the
session's open transaction: the caller's commit or rollback decides for them, so a
failure part-way leaves nothing once rolled back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, cast

from sqlalchemy import Table, insert, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.store.base import Base

#: Rows per executemany on SQLite: bounded so a generator's rows never all sit in memory.
CHUNK = 5_000


def _processors(
    table: Table, columns: Sequence[str], dialect: Dialect
) -> list[tuple[int, Callable[[Any], Any]]]:
    """The columns whose values the type changes on the way in, with how."""
    found: list[tuple[int, Callable[[Any], Any]]] = []
    for i, name in enumerate(columns):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            found.append((i, process))
    return found


def _as_bound(
    rows: Iterable[Sequence[Any]], processors: list[tuple[int, Callable[[Any], Any]]]
) -> Iterator[Sequence[Any]]:
    """Rows with each value as its column type binds it.

    Every row of one act shares its time and most share a flag, so each distinct value
    is converted once (the cache stays small: it is cleared past a few dozen values).
    """
    if not processors:
        yield from rows
        return
    seen: dict[tuple[int, Any], Any] = {}
    for row in rows:
        values = list(row)
        for i, process in processors:
            value = values[i]
            if value is not None:
                key = (i, value)
                if key not in seen:
                    if len(seen) > 64:
                        seen.clear()
                    seen[key] = process(value)
                values[i] = seen[key]
        yield values


#: For the rest of the transaction, compress long values (the invitations' bodies) with
#: lz4 where the server has it: about 40 % less of the backend's CPU for queueing them
#: than the default pglz.  Values say how they were compressed, so reading is unchanged.
_FAST_COMPRESSION = (
    "SELECT set_config('default_toast_compression', 'lz4', true) FROM pg_settings"
    " WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
)


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

    Values are given as for the ORM (aware datetimes, booleans): they are bound here as
    the column types would.  ``rows`` is consumed lazily, so a generator keeps memory
    bounded; if it raises, the exception propagates and the transaction must be rolled
    back.  Columns left out get NULL or the database's own default (the id).
    """
    table = cast(Table, model.__table__)
    # What session.execute would do first: pending ORM changes (the election these rows
    # refer to, say) reach the database before rows that bypass the ORM.
    await session.flush()
    connection = await session.connection()
    dialect = connection.dialect
    bound = _as_bound(rows, _processors(table, columns, dialect))
    if dialect.name == "postgresql":
        counted = _Counted(bound)
        driver = await _asyncpg_connection(session)
        await driver.execute(_FAST_COMPRESSION)
        await driver.copy_records_to_table(table.name, records=counted, columns=list(columns))
        return counted.count
    if dialect.paramstyle != "qmark":  # not sqlite3: the portable, slower way
        return await _insert_mappings(session, table, columns, bound)
    # Names come from the model's table, quoted by the dialect; every value is bound.
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    slots = ", ".join("?" for _ in columns)
    statement = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({slots})"  # noqa: S608
    total = 0
    while chunk := [tuple(row) for row in islice(bound, CHUNK)]:
        await connection.exec_driver_sql(statement, chunk)
        total += len(chunk)
    return total


async def _insert_mappings(
    session: AsyncSession, table: Table, columns: Sequence[str], rows: Iterator[Sequence[Any]]
) -> int:
    total = 0
    statement = insert(table)
    while chunk := [dict(zip(columns, row, strict=True)) for row in islice(rows, CHUNK)]:
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


async def set_column(
    session: AsyncSession, model: type[Base], column: str, values: Sequence[tuple[int, Any]]
) -> int:
    """Set ``column`` of many rows of ``model`` by id, from (id, value) pairs; returns how many.

    One statement on PostgreSQL (an UPDATE joined to the arrays), chunked prepared
    statements on SQLite: drawing aliases for a 260,000-member roll when voting opens
    costs about as much as writing its tokens.
    """
    table = cast(Table, model.__table__)
    await session.flush()
    connection = await session.connection()
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    name, target = quote(table.name), quote(column)
    if dialect.name == "postgresql":
        driver = await _asyncpg_connection(session)
        kind = table.c[column].type.compile(dialect=dialect)
        await driver.execute(
            f"UPDATE {name} SET {target} = v.value "  # noqa: S608 (names from the model)
            f"FROM unnest($1::integer[], $2::{kind}[]) AS v(id, value) WHERE {name}.id = v.id",
            [i for i, _ in values],
            [v for _, v in values],
        )
        return len(values)
    statement = f"UPDATE {name} SET {target} = ? WHERE id = ?"  # noqa: S608
    if dialect.paramstyle != "qmark":
        statement = f"UPDATE {name} SET {target} = :value WHERE id = :id"  # noqa: S608
        for start in range(0, len(values), CHUNK):
            named = [{"id": i, "value": v} for i, v in values[start : start + CHUNK]]
            await session.execute(text(statement), named)
        return len(values)
    for start in range(0, len(values), CHUNK):
        pairs = [(v, i) for i, v in values[start : start + CHUNK]]
        await connection.exec_driver_sql(statement, pairs)
    return len(values)
