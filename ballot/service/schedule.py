"""The clock's acts: opening and closing votes on time, beside the mail worker.

The server runs :func:`schedule_loop` as a background task; ``ballot worker`` runs it
beside the mail layer's worker, so votes open and close on time whichever process is
up.  Both are safe to run at once (each election row is locked and its state re-checked).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ballot.config import Settings
from ballot.election.refusal import Refused
from ballot.record.signing import ServerKey
from ballot.service.acting import Acting, get_election
from ballot.service.lifecycle import transition
from ballot.store.models import Election
from ballot.store.types import utcnow

log = logging.getLogger(__name__)

Sessions = async_sessionmaker[AsyncSession]


async def apply_schedule(session: AsyncSession, ctx: Acting) -> list[tuple[str, str]]:
    """Open ready elections whose time has come and close open ones whose time is up.

    Commits per election so one refusal does not hold back the others.
    """
    now = ctx.now
    due = list(
        await session.scalars(
            select(Election.id).where(
                ((Election.state == "ready") & (Election.opens_at <= now))
                | ((Election.state == "open") & (Election.closes_at <= now))
            )
        )
    )
    done: list[tuple[str, str]] = []
    for election_id in due:
        try:
            election = await get_election(session, election_id, lock=True)
            if election.state == "ready" and election.opens_at and election.opens_at <= now:
                target = "open"  # if also past closing, the next tick closes it
            elif election.state == "open" and election.closes_at and election.closes_at <= now:
                target = "closed"
            else:
                await session.rollback()
                continue
            await transition(session, ctx, election, target)
            await session.commit()
            done.append((election_id, target))
        except Refused as exc:
            await session.rollback()
            log.warning("scheduled step for election %s refused: %s", election_id, exc.message)
    return done


async def run_schedule_once(
    session_factory: Sessions, settings: Settings, board_key: ServerKey, now: datetime
) -> list[tuple[str, str]]:
    """One pass of the schedule, acting as ``scheduler``."""
    ctx = Acting(settings=settings, board_key=board_key, actor="scheduler", now=now)
    async with session_factory() as session:
        return await apply_schedule(session, ctx)


async def schedule_loop(
    session_factory: Sessions,
    settings: Settings,
    board_key: ServerKey,
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
