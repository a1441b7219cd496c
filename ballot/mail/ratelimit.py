"""A token bucket, so the worker never sends faster than the relay allows.

Relays (and the big mailbox providers behind them) throttle or blacklist senders that
burst; ``mail_rate`` is the agreed pace.  The bucket holds at most a twentieth of a
second's worth of tokens (and at least one), so the pace holds over any window longer
than that, while high rates do not depend on the precision of ``asyncio.sleep``.
"""

from __future__ import annotations

import asyncio
import time


class TokenBucket:
    """``await bucket.take()`` returns once a send is allowed; rate <= 0 means unlimited."""

    def __init__(self, rate: float, *, burst: float | None = None) -> None:
        self.rate = float(rate)
        self.capacity = burst if burst is not None else max(1.0, self.rate / 20)
        self._tokens = self.capacity
        self._stamp = time.monotonic()

    def _refill(self) -> None:
        now = time.monotonic()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    async def take(self) -> None:
        if self.rate <= 0:
            return
        self._refill()
        while self._tokens < 1.0:
            await asyncio.sleep((1.0 - self._tokens) / self.rate)
            self._refill()
        self._tokens -= 1.0
