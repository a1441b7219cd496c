"""Group work: requests that arrive while one database step runs share the next one.

The cast path batches twice with this: the token look-ups before verification
(:class:`ballot.store.casting.links.LinkReader`) and the cast transactions after it
(:class:`ballot.store.casting.commit.CastQueue`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import typing
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from ballot.election.refusal import Refused
from ballot.store.casting.refusals import try_again

log = logging.getLogger("ballot.store.casting")


async def driver_connection(conn: AsyncConnection) -> Any:
    """The asyncpg connection under a SQLAlchemy one."""
    raw = await conn.get_raw_connection()
    return raw.driver_connection


def engine_of(factory: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    """The engine a session factory is bound to."""
    engine = factory.kw.get("bind")
    assert isinstance(engine, AsyncEngine)
    return engine


_Item = typing.TypeVar("_Item")
_Result = typing.TypeVar("_Result")


class Batcher(typing.Generic[_Item, _Result]):
    """Requests that arrive while one database step runs share the next one.

    One drain task per process lives only while there is work; it keeps one pooled
    connection for as long as batches keep coming (one pool checkout, and one pre-ping,
    per burst instead of per ballot).  A batch that fails is refused as a whole (503,
    nothing written) and the connection is given back, so the next batch starts clean.
    """

    MAX_BATCH = 200
    WHAT = "database step"
    #: How long the connection is kept once the queue is empty, waiting for the next
    #: cast: under load casts come every few milliseconds, and a pool checkout costs
    #: three round trips (the pre-ping runs in its own BEGIN/ROLLBACK on asyncpg).
    LINGER = 0.2

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.pending: list[tuple[_Item, asyncio.Future[_Result]]] = []
        self.task: asyncio.Task[None] | None = None
        self._discard = False
        self._closing = False
        self._wake = asyncio.Event()

    def discard_connection(self) -> None:
        """Give the held connection back after this batch (it saw an error)."""
        self._discard = True

    async def close(self) -> None:
        """Finish the work in hand and give the held connection back (at shutdown).

        Without this a drain task lingering with its connection could outlive the
        engine and the event loop, and its driver would report to a closed loop.
        """
        self._closing = True
        self._wake.set()
        if self.task is not None:
            with contextlib.suppress(Exception):
                await self.task

    async def submit(self, item: _Item) -> _Result:
        future: asyncio.Future[_Result] = asyncio.get_running_loop().create_future()
        self.pending.append((item, future))
        self._wake.set()
        if self.task is None or self.task.done():
            self.task = asyncio.ensure_future(self._drain())
        return await asyncio.shield(future)

    async def prepare(self, conn: AsyncConnection) -> None:
        """Set up a freshly checked-out connection."""

    async def run(self, conn: AsyncConnection, items: list[_Item]) -> list[_Result | Refused]:
        raise NotImplementedError

    async def _drain(self) -> None:
        # The outer loop: work may arrive while the connection is being given back.
        while self.pending:
            conn: AsyncConnection | None = None
            try:
                while self.pending or (conn is not None and await self._more_work()):
                    conn = await self._one_batch(conn)
            finally:
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close()

    async def _more_work(self) -> bool:
        """Wait up to LINGER for another cast; True if one came."""
        self._wake.clear()
        if self.pending or self._closing:
            return bool(self.pending)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.LINGER)
        return bool(self.pending)

    async def _one_batch(self, conn: AsyncConnection | None) -> AsyncConnection | None:
        """Run the next batch; returns the connection to keep using (None: give it back)."""
        batch, self.pending = self.pending[: self.MAX_BATCH], self.pending[self.MAX_BATCH :]
        try:
            if conn is None:
                conn = await self.engine.connect().start()
                await self.prepare(conn)
            results = await self.run(conn, [item for item, _ in batch])
        except BaseException as exc:  # never leave a voter waiting forever
            if not isinstance(exc, asyncio.CancelledError):
                log.exception("cast %s failed", self.WHAT)
            for _, future in batch:
                if not future.done():
                    future.set_exception(try_again())
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()
            if isinstance(exc, asyncio.CancelledError):
                raise
            return None
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():
                continue
            if isinstance(result, Refused):
                future.set_exception(result)
            else:
                future.set_result(result)
        if self._discard:
            self._discard = False
            with contextlib.suppress(Exception):
                await conn.close()
            return None
        return conn
