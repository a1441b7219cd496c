"""The mail worker: claims due outbox messages, sends them, records each one's fate.

Claiming is one UPDATE ... RETURNING that marks a batch "sending" with a lease (its
``next_attempt_at``).  On PostgreSQL the batch is chosen with ``FOR UPDATE SKIP
LOCKED``, so several worker processes share the queue without ever taking the same
message; on SQLite the UPDATE holds the database's single write lock, which gives the
same guarantee.  A worker that dies mid-batch leaves its messages "sending"; when the
lease runs out they are due again (delivery is at least once, never silently lost).

Each channel has its own worker loop (``channel`` email or sms), its own sender (the
SMTP relay, or the SMS gateway of :mod:`ballot.mail.sms_sender`) and its own pace
(``mail_rate``, ``sms_rate``): a gateway outage never holds up the mail, nor the reverse.

Results are written back per batch (one statement for all the sent ones, one
executemany for the rest), not per message, which is what lets one worker keep up
hundreds of messages a second.  Sent and permanently failed messages lose their
bodies, which hold voting links (see ``ballot.store.outbox``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ballot.config import Settings
from ballot.mail.ratelimit import TokenBucket
from ballot.mail.sender import Outcome, Outgoing, RelayUnavailable, Result, SmtpSender
from ballot.mail.sms_sender import SmsSender
from ballot.store.outbox import OutboxMessage
from ballot.store.types import utcnow

log = logging.getLogger("ballot.mail")

TABLE = cast(Table, OutboxMessage.__table__)
DUE_STATUSES = ("queued", "retry", "sending")  # "sending" counts only once its lease ran out


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard and how fast the worker tries.  Defaults suit a production relay."""

    max_attempts: int = 8  #: attempts before a temporarily failing message is "failed"
    backoff_base: float = 60.0  #: seconds before the second attempt; doubles each time
    backoff_max: float = 4 * 3600.0  #: longest wait between two attempts
    batch_size: int = 200  #: messages claimed (and committed) together
    batch_seconds: float = 4.0  #: a batch holds at most this long at mail_rate
    lease: float = 600.0  #: seconds a claim stays exclusive before it is presumed dead
    idle_poll: float = 2.0  #: seconds between looks at the queue when nothing is due
    relay_pause_max: float = 60.0  #: longest pause while the relay is unreachable


def backoff_delay(attempts: int, policy: DeliveryPolicy, rng: random.Random | None = None) -> float:
    """Seconds to wait after the given number of failed attempts: exponential, jittered.

    Half the delay is fixed and half random ("equal jitter"), so a relay outage that
    failed thousands of messages at once does not bring them all back at once.
    """
    rng = rng or random.Random()
    delay = min(policy.backoff_max, policy.backoff_base * 2.0 ** min(30, max(0, attempts - 1)))
    return delay / 2 + rng.uniform(0, delay / 2)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def claim_due(
    session: AsyncSession,
    *,
    limit: int,
    lease: float,
    now: datetime | None = None,
    channel: str = "email",
) -> list[Outgoing]:
    """Mark up to ``limit`` due messages of ``channel`` "sending" for this worker and
    return them.

    The caller commits straight away, so other workers see the claim.
    """
    now = now or utcnow()
    due = (
        select(TABLE.c.id)
        .where(
            TABLE.c.status.in_(DUE_STATUSES),
            TABLE.c.next_attempt_at <= now,
            TABLE.c.channel == channel,
        )
        .order_by(TABLE.c.next_attempt_at, TABLE.c.id)
        .limit(limit)
    )
    if _dialect(session) == "postgresql":
        due = due.with_for_update(skip_locked=True)
    # A CTE is evaluated exactly once, so the locked set and the updated set are the same.
    chosen = due.cte("due")
    stmt = (
        update(TABLE)
        .where(TABLE.c.id == chosen.c.id)
        .values(
            status="sending",
            attempts=TABLE.c.attempts + 1,
            next_attempt_at=now + timedelta(seconds=lease),
        )
        .returning(
            TABLE.c.id,
            TABLE.c.to_address,
            TABLE.c.language,
            TABLE.c.subject,
            TABLE.c.body_text,
            TABLE.c.body_html,
            TABLE.c.attempts,
            TABLE.c.reply_to,
            TABLE.c.channel,
            TABLE.c.envelope_ref,
        )
    )
    rows = (await session.execute(stmt)).all()
    return sorted(
        (
            Outgoing(
                id=r.id,
                to_address=r.to_address,
                language=r.language,
                subject=r.subject,
                body_text=r.body_text or "",
                body_html=r.body_html,
                attempts=r.attempts,
                reply_to=r.reply_to,
                channel=r.channel,
                envelope_ref=r.envelope_ref,
            )
            for r in rows
        ),
        key=lambda o: o.id,
    )


@dataclass
class BatchResult:
    sent: list[int]
    retry: list[dict[str, Any]]
    failed: list[dict[str, Any]]
    #: {"b_id", "b_ref"}: the gateway's id of each text message it took.
    refs: list[dict[str, Any]] = field(default_factory=list)


async def record(session: AsyncSession, result: BatchResult, now: datetime | None = None) -> None:
    """Write a batch's outcomes in three statements (not committed)."""
    now = now or utcnow()
    if result.sent:
        await session.execute(
            update(TABLE)
            .where(TABLE.c.id.in_(result.sent))
            .values(status="sent", sent_at=now, body_text=None, body_html=None, last_error=None)
        )
    by_id = TABLE.c.id == bindparam("b_id")
    if result.refs:
        await session.execute(
            update(TABLE).where(by_id).values(provider_ref=bindparam("b_ref")), result.refs
        )
    if result.retry:
        await session.execute(
            update(TABLE)
            .where(by_id)
            .values(
                status="retry",
                attempts=bindparam("b_attempts"),
                next_attempt_at=bindparam("b_next"),
                last_error=bindparam("b_error"),
            ),
            result.retry,
        )
    if result.failed:
        await session.execute(
            update(TABLE)
            .where(by_id)
            .values(
                status="failed", body_text=None, body_html=None, last_error=bindparam("b_error")
            ),
            result.failed,
        )


class Worker:
    """One channel's worker: the relay or gateway, the pace, and the retry policy."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        settings: Settings,
        policy: DeliveryPolicy,
        stop: asyncio.Event,
        channel: str = "email",
    ) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self.policy = policy
        self.stop = stop
        self.channel = channel
        self.sender: SmtpSender | SmsSender = (
            SmsSender(settings) if channel == "sms" else SmtpSender(settings)
        )
        self.rate = settings.sms_rate if channel == "sms" else settings.mail_rate
        self.bucket = TokenBucket(self.rate)
        self.rng = random.Random()
        self.relay_failures = 0

    @property
    def batch_size(self) -> int:
        rate = self.rate
        if rate <= 0:
            return self.policy.batch_size
        return max(1, min(self.policy.batch_size, int(rate * self.policy.batch_seconds)))

    async def deliver(self, batch: Sequence[Outgoing]) -> BatchResult:
        """Send a claimed batch; messages not attempted (stop, relay down) go back unharmed."""
        result = BatchResult([], [], [])
        now = utcnow()
        for i, out in enumerate(batch):
            if self.stop.is_set():
                self._release(result, batch[i:], "", now)
                break
            await self.bucket.take()
            try:
                outcome = await self.sender.send(out)
            except RelayUnavailable as exc:
                self.relay_failures += 1
                pause = self.relay_pause()
                log.warning("%s relay unavailable (%s); pausing %.0fs", self.channel, exc, pause)
                self._release(result, batch[i:], str(exc), utcnow() + timedelta(seconds=pause))
                break
            except Exception as exc:
                # A bug must not strand the batch in "sending": count it as a failed attempt.
                log.exception("outbox message %d: unexpected error while sending", out.id)
                outcome = Outcome(Result.TEMPORARY, f"internal error: {type(exc).__name__}")
            self.relay_failures = 0
            self._apply(result, out, outcome)
        return result

    def relay_pause(self) -> float:
        p = self.policy
        return min(
            p.relay_pause_max, p.backoff_base * 2.0 ** min(30, max(0, self.relay_failures - 1))
        )

    @staticmethod
    def _release(result: BatchResult, rest: Sequence[Outgoing], error: str, when: datetime) -> None:
        # Not attempted: give back the attempt the claim counted.
        for out in rest:
            result.retry.append(
                {
                    "b_id": out.id,
                    "b_attempts": out.attempts - 1,
                    "b_next": when,
                    "b_error": error or None,
                }
            )

    def _apply(self, result: BatchResult, out: Outgoing, outcome: Outcome) -> None:
        if outcome.result is Result.SENT:
            result.sent.append(out.id)
            if outcome.ref is not None:
                result.refs.append({"b_id": out.id, "b_ref": outcome.ref})
            return
        final = outcome.result is Result.PERMANENT or out.attempts >= self.policy.max_attempts
        log.info(
            "outbox message %d: %s after attempt %d: %s",
            out.id,
            "failed" if final else "will retry",
            out.attempts,
            outcome.error,
        )
        if final:
            result.failed.append({"b_id": out.id, "b_error": outcome.error})
        else:
            delay = backoff_delay(out.attempts, self.policy, self.rng)
            result.retry.append(
                {
                    "b_id": out.id,
                    "b_attempts": out.attempts,
                    "b_next": utcnow() + timedelta(seconds=delay),
                    "b_error": outcome.error,
                }
            )

    async def claim(self) -> list[Outgoing]:
        async with self.session_factory() as session, session.begin():
            return await claim_due(
                session, limit=self.batch_size, lease=self.policy.lease, channel=self.channel
            )

    async def save(self, result: BatchResult) -> None:
        # The messages are already out: try hard to record that, or they would be sent
        # again when their lease ends.
        for attempt in range(3):
            try:
                async with self.session_factory() as session, session.begin():
                    await record(session, result)
                return
            except Exception:
                if attempt == 2:
                    raise
                log.warning("recording a batch failed; retrying", exc_info=True)
                await asyncio.sleep(1.0 + attempt)

    async def pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), timeout=seconds)

    async def run(self, *, once: bool) -> int:
        sent = 0
        try:
            while not self.stop.is_set():
                batch = await self.claim()
                if not batch:
                    if once:
                        break
                    await self.pause(self.policy.idle_poll)
                    continue
                result = await self.deliver(batch)
                await self.save(result)
                sent += len(result.sent)
                if self.relay_failures:
                    if once:
                        break
                    await self.pause(self.relay_pause())
        finally:
            await self.sender.close()
        return sent


async def run_worker(
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    once: bool = False,
    policy: DeliveryPolicy | None = None,
) -> int:
    """Deliver outbox messages until ``stop`` is set (or, with once=True, until none is due).

    E-mail always; text messages too when a gateway is configured (otherwise they wait in
    the outbox).  Returns how many messages were sent.  Messages scheduled for a later
    retry are not "due", so ``once`` returns without waiting for them.
    """
    stop = stop or asyncio.Event()
    chosen = policy or DeliveryPolicy()
    channels = ["email"] if settings.sms_gateway == "none" else ["email", "sms"]
    workers = [Worker(session_factory, settings, chosen, stop, channel) for channel in channels]
    return sum(await asyncio.gather(*(w.run(once=once) for w in workers)))


def main(settings: Settings, *, once: bool = False) -> int:
    """Run the worker in the foreground until SIGINT/SIGTERM; the ``ballot worker`` command."""
    from ballot.store.db import make_engine, make_session_factory

    async def go() -> int:
        engine = make_engine(settings.database_url)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        try:
            return await run_worker(make_session_factory(engine), settings, stop=stop, once=once)
        finally:
            await engine.dispose()

    sent = asyncio.run(go())
    log.info("mail worker stopped after sending %d messages", sent)
    return sent
