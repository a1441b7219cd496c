"""Two acts on one election at once run one after the other, on both engines.

Two trustees may send their partial decryptions at the same moment; each act locks the
election row (``get_election(lock=True)``) before it reads the board, so the second waits
for the first to commit instead of appending at the same board position (on SQLite, which
has no row locks, this failed with an IntegrityError and a 500).
"""

from __future__ import annotations

import asyncio

from litestar import Litestar

from ballot.service.acting import get_election
from tests.support.asgi import Web, create_draft


async def test_a_second_lock_waits_for_the_first_to_commit(app: Litestar, admin: Web) -> None:
    election_id = await create_draft(admin)
    factory = app.state.session_factory
    order: list[str] = []
    async with factory() as first, factory() as second:
        await get_election(first, election_id, lock=True)

        async def wait_for_lock() -> None:
            await get_election(second, election_id, lock=True)
            order.append("second holds the lock")
            await second.rollback()

        waiting = asyncio.create_task(wait_for_lock())
        await asyncio.sleep(0.5)
        order.append("first commits")
        await first.commit()
        await asyncio.wait_for(waiting, timeout=30)
    assert order == ["first commits", "second holds the lock"]
