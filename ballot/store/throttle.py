"""Sign-in throttle: attempts are reserved in the database before a password is checked.

Why reserve first: counting committed failures, running Argon2 and then recording the
failure let 40 simultaneous guesses at one account all pass the count (18 were checked
against a limit of 5).  Here one short transaction locks the throttle rows of the
attempt, counts, and takes a slot; only then, after committing, does the slow check
run.  The lock is the row's: ``SELECT ... FOR UPDATE`` on PostgreSQL (in key order, so
two attempts never deadlock), and on SQLite the database write lock that the first
statement (an upsert) takes; so the limit holds across worker processes.  A sign-in
that turns out right gives its slot back (:func:`release`): only failures count.

Three counters, so that lock-out is not a weapon:

* ``pair``: one account from one address, :data:`PAIR_LIMIT` failures per window; each
  time it fills, the next lock lasts twice as long (up to 64 windows).  A stranger can
  only lock *their own* address out of an account.
* ``address``: one address across accounts, :data:`ADDRESS_LIMIT` (stops spraying).
* ``account``: one account from every address, :data:`ACCOUNT_LIMIT`, the cap on a
  guessing attack spread over many addresses.  When it is spent, only an attempt that
  carries a second-factor code is still checked, and it succeeds only for an account
  that has one: a member with a second factor is never kept out by strangers, and
  ``ballot admin unlock`` (:func:`unlock`) frees the others out of band.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from ballot.store.base import Base
from ballot.store.types import UTCDateTime

WINDOW = timedelta(minutes=15)
PAIR_LIMIT = 5
ADDRESS_LIMIT = 5
ACCOUNT_LIMIT = 20
#: The longest lock of a pair, in windows (2**6 windows = 16 hours).
MAX_DOUBLINGS = 6
#: A pair left alone this long forgets its earlier locks.
FORGET_AFTER = timedelta(days=1)


class ThrottleRow(Base):
    """Sign-in attempts counted under one key (a pair, an address or an account)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    strikes: Mapped[int] = mapped_column(Integer, default=0)


@dataclass(frozen=True)
class Keys:
    pair: str
    address: str
    account: str

    @classmethod
    def of(cls, email: str, ip: str) -> Keys:
        """Keys from digests: fixed length whatever was typed, and no e-mail in clear."""
        account, address = _digest(email), _digest(ip)
        return cls(f"pair:{account}:{address}", f"address:{address}", f"account:{account}")

    def all(self) -> list[str]:
        return sorted((self.pair, self.address, self.account))


@dataclass(frozen=True)
class Grant:
    """A reserved attempt; ``second_factor_only`` when the account's budget is spent."""

    second_factor_only: bool


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def _lock_length(row: ThrottleRow) -> timedelta:
    if row.attempts < PAIR_LIMIT or not row.key.startswith("pair:"):
        return WINDOW
    return WINDOW * (1 << min(max(row.strikes - 1, 0), MAX_DOUBLINGS))


def _refresh(row: ThrottleRow, now: datetime) -> None:
    """Start a new window when the row's window (or lock) is over."""
    if row.window_start + _lock_length(row) > now:
        return
    if now - row.window_start > FORGET_AFTER:
        row.strikes = 0
    row.attempts, row.window_start = 0, now


async def _locked_rows(session: AsyncSession, keys: Keys, now: datetime) -> dict[str, ThrottleRow]:
    """Create missing rows and lock all of the attempt's rows until the commit."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    fresh = [{"key": k, "attempts": 0, "window_start": now, "strikes": 0} for k in keys.all()]
    await session.execute(insert(ThrottleRow).values(fresh).on_conflict_do_nothing())
    query = (
        select(ThrottleRow)
        .where(ThrottleRow.key.in_(keys.all()))
        .order_by(ThrottleRow.key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.key: row for row in (await session.scalars(query)).all()}


async def reserve(
    session: AsyncSession, keys: Keys, now: datetime, *, has_code: bool
) -> Grant | None:
    """Take a slot for one attempt, or None if it must be refused unchecked.

    The caller commits straight away (releasing the lock) and only then checks the
    password, so concurrent attempts wait for each other only for this short step.
    """
    rows = await _locked_rows(session, keys, now)
    for row in rows.values():
        _refresh(row, now)
    pair, address, account = rows[keys.pair], rows[keys.address], rows[keys.account]
    if pair.attempts >= PAIR_LIMIT or address.attempts >= ADDRESS_LIMIT:
        await session.flush()
        return None
    spent = account.attempts >= ACCOUNT_LIMIT
    if spent and not has_code:
        await session.flush()
        return None
    pair.attempts += 1
    address.attempts += 1
    if not spent:
        account.attempts += 1
    if pair.attempts >= PAIR_LIMIT:
        pair.strikes += 1
    await session.flush()
    return Grant(second_factor_only=spent)


async def release(session: AsyncSession, keys: Keys, grant: Grant) -> None:
    """Give a successful attempt's slot back: only failures count against the limits."""
    await session.execute(delete(ThrottleRow).where(ThrottleRow.key == keys.pair))
    counted = [keys.address] if grant.second_factor_only else [keys.address, keys.account]
    await session.execute(
        update(ThrottleRow)
        .where(ThrottleRow.key.in_(counted), ThrottleRow.attempts > 0)
        .values(attempts=ThrottleRow.attempts - 1)
    )


async def unlock(session: AsyncSession, email: str) -> int:
    """Forget every throttle of one account (an out-of-band unlock); rows removed."""
    result = await session.execute(
        delete(ThrottleRow).where(
            (ThrottleRow.key == f"account:{_digest(email)}")
            | ThrottleRow.key.startswith(f"pair:{_digest(email)}:")
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def forget_old(session: AsyncSession, now: datetime) -> None:
    """Drop rows nobody has used for :data:`FORGET_AFTER` (housekeeping)."""
    await session.execute(delete(ThrottleRow).where(ThrottleRow.window_start < now - FORGET_AFTER))
