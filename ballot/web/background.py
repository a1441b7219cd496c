"""Work that happens without a request: the voting schedule and the mail worker.

The server runs :func:`schedule_loop` as a background task; ``ballot worker`` runs
it beside the mail layer's worker, so votes open and close on time whichever
process is up.  Both are safe to run at once (see ``operations.apply_schedule``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ballot.config import Settings
from ballot.store.types import utcnow
from ballot.web import operations as ops

log = logging.getLogger(__name__)


async def run_schedule_once(
    session_factory: Any, settings: Settings, board_key: Any, now: datetime
) -> list[tuple[str, str]]:
    ctx = ops.Context(settings=settings, board_key=board_key, actor="scheduler", now=now)
    async with session_factory() as session:
        return await ops.apply_schedule(session, ctx)


async def schedule_loop(
    session_factory: Any,
    settings: Settings,
    board_key: Any,
    clock: Callable[[], datetime] = utcnow,
    stop: asyncio.Event | None = None,
) -> None:
    """Apply the schedule every ``settings.schedule_interval`` seconds until ``stop`` is set."""
    stop = stop or asyncio.Event()
    interval = settings.schedule_interval or 15.0
    while not stop.is_set():
        try:
            await run_schedule_once(session_factory, settings, board_key, clock())
        except Exception:  # keep the loop alive; the next tick retries
            log.exception("applying the voting schedule failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


async def run_worker(
    settings: Settings, *, once: bool = False, stop: asyncio.Event | None = None
) -> None:
    """The ``ballot worker`` process: the mail worker plus the schedule, until stopped."""
    from ballot.mail.worker import run_worker as mail_worker
    from ballot.store.db import make_engine, make_session_factory
    from ballot.store.serverkey import load_or_create

    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    key = load_or_create(settings.secret_key_file).board_key
    try:
        if once:
            await run_schedule_once(factory, settings, key, utcnow())
            await mail_worker(factory, settings, stop=stop, once=True)
            return
        stop = stop or asyncio.Event()
        scheduler = asyncio.create_task(schedule_loop(factory, settings, key, stop=stop))
        try:
            await mail_worker(factory, settings, stop=stop, once=False)
        finally:
            stop.set()
            await scheduler
    finally:
        await engine.dispose()
