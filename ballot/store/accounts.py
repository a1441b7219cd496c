"""Committee accounts: Argon2id passwords, server-side sessions, throttling, TOTP.

Sessions are random ids in an HttpOnly cookie; only their SHA-256 is stored, so a
leaked database does not let anyone sign in.  Sign-in attempts are reserved in
:mod:`ballot.store.throttle` before the password is checked, per account and address,
per address and per account; a two-factor code is accepted once (its time step is
recorded), and replacing the second factor asks for the password and current code.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.config import argon2_profile
from ballot.store import throttle
from ballot.store.models import Account, WebSession

ROLES = ("admin", "observer", "trustee")
SESSION_LIFETIME = timedelta(hours=12)
THROTTLE_WINDOW = throttle.WINDOW
THROTTLE_LIMIT = throttle.PAIR_LIMIT
# argon2-cffi's default type is Argon2id; its defaults are the production cost.  The test
# profile (BALLOT_ARGON2_PROFILE=test) is the cheapest; a hash records its own parameters.
_HASHERS = {
    "production": PasswordHasher(),
    "test": PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
}
# Verifying against this keeps an unknown email as slow as a wrong password.
_DUMMY_HASH = _HASHERS["production"].hash(secrets.token_hex(16))


def _hasher() -> PasswordHasher:
    """The hasher of the configured profile (read per call: the tests set it per process)."""
    return _HASHERS[argon2_profile()]


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class AccountError(ValueError):
    """Bad input for an account (duplicate email, unknown role, weak password)."""


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(stored: str, password: str) -> bool:
    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def create_account(
    session: AsyncSession, *, email: str, name: str, role: str, password: str, now: datetime
) -> Account:
    email = normalise_email(email)
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if "@" not in email:
        raise AccountError("an email address is needed")
    if _CONTROL.search(email) or _CONTROL.search(name):
        raise AccountError("the email address and name may not hold control characters")
    if len(password) < 10:
        raise AccountError("the password must have at least 10 characters")
    if await find_account(session, email) is not None:
        raise AccountError(f"an account for {email} already exists")
    account = Account(
        email=email,
        name=name.strip(),
        role=role,
        password_hash=hash_password(password),
        created_at=now,
        disabled=False,
    )
    session.add(account)
    await session.flush()
    return account


async def find_account(session: AsyncSession, email: str) -> Account | None:
    return await session.scalar(select(Account).where(Account.email == normalise_email(email)))


@dataclass(frozen=True)
class LoginResult:
    account: Account | None
    reason: str  # "ok", "throttled", "bad_credentials", "totp_required", "bad_totp"


async def authenticate(
    session: AsyncSession, *, email: str, password: str, totp: str | None, ip: str, now: datetime
) -> LoginResult:
    """Check a sign-in; throttled attempts are refused before the password is even looked at.

    The attempt's throttle slot is reserved and *committed* first (see
    :mod:`ballot.store.throttle`), so concurrent guesses cannot all slip under the
    limit; a sign-in that turns out right gives its slot back (the caller commits).
    """
    email = normalise_email(email)
    keys = throttle.Keys.of(email, ip)
    grant = await throttle.reserve(session, keys, now, has_code=bool(totp))
    await session.commit()
    if grant is None:
        return LoginResult(None, "throttled")
    account = await find_account(session, email)
    ok = check_password(account.password_hash if account else _DUMMY_HASH, password)
    if grant.second_factor_only and (account is None or not account.totp_secret):
        return LoginResult(None, "throttled")  # whatever the password: it was not checked
    if account is None or not ok or account.disabled:
        return LoginResult(None, "bad_credentials")
    if account.totp_secret:
        if not totp:
            await throttle.release(session, keys, grant)
            return LoginResult(None, "totp_required")
        if not await use_code(session, account, account.totp_secret, totp, now):
            return LoginResult(None, "bad_totp")
    await throttle.release(session, keys, grant)
    return LoginResult(account, "ok")


async def clear_failures(session: AsyncSession, email: str, now: datetime) -> None:
    """Housekeeping after a sign-in: throttle rows nobody has used for a day go."""
    await throttle.forget_old(session, now)


def _session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


async def open_session(session: AsyncSession, account: Account, now: datetime) -> str:
    """Start a browser session; returns the id for the cookie (never stored as such)."""
    session_id = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id_hash=_session_hash(session_id),
            account_id=account.id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    await session.flush()
    return session_id


async def session_account(session: AsyncSession, session_id: str, now: datetime) -> Account | None:
    row = await session.get(WebSession, _session_hash(session_id))
    if row is None or row.expires_at <= now:
        return None
    account = await session.get(Account, row.account_id)
    if account is None or account.disabled:
        return None
    return account


async def close_session(session: AsyncSession, session_id: str) -> None:
    await session.execute(delete(WebSession).where(WebSession.id_hash == _session_hash(session_id)))


def start_totp(account: Account) -> str:
    """Make a new TOTP secret pending until the holder proves their app has it."""
    account.totp_pending = pyotp.random_base32()
    return account.totp_pending


async def may_change_totp(
    session: AsyncSession,
    account: Account,
    *,
    password: str,
    code: str | None,
    ip: str,
    now: datetime,
) -> str | None:
    """Why this account may not replace its second factor now, or None if it may.

    A live session alone is not enough (a borrowed or stolen one would otherwise swap
    the second factor for the thief's): the password, and the current code (used up)
    when a second factor is already set, are asked again, under the sign-in throttle so
    that this is no unthrottled way to guess a password.  Commits the reservation.
    """
    keys = throttle.Keys.of(account.email, ip)
    grant = await throttle.reserve(session, keys, now, has_code=bool(code))
    await session.commit()
    if grant is None:
        return "too many failed attempts; wait, then try again"
    if not check_password(account.password_hash, password):
        return "the password is not right"
    if account.totp_secret and not (
        code and await use_code(session, account, account.totp_secret, code, now)
    ):
        return "give the current code of your authenticator app"
    if grant.second_factor_only and not account.totp_secret:
        return "too many failed attempts; wait, then try again"
    await throttle.release(session, keys, grant)
    return None


def provisioning_uri(account: Account, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account.email, issuer_name="ballot")


def code_step(secret: str, code: str, now: datetime) -> int | None:
    """The 30-second time step whose code ``code`` is (one step of clock drift allowed)."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    given = code.strip()
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), given):
            return step
    return None


async def use_code(
    session: AsyncSession, account: Account, secret: str, code: str, now: datetime
) -> bool:
    """Accept a code once: its time step must be later than the last one accepted.

    A conditional UPDATE records the step, so of two sign-ins racing with the same
    code only one changes the row (the row lock on PostgreSQL, the write lock on
    SQLite), and a code seen over someone's shoulder is useless once it was used.
    """
    step = code_step(secret, code, now)
    if step is None:
        return False
    result = await session.execute(
        update(Account)
        .where(
            Account.id == account.id,
            or_(Account.totp_last_step.is_(None), Account.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):
        return False
    account.totp_last_step = step
    return True


async def confirm_totp(session: AsyncSession, account: Account, code: str, now: datetime) -> bool:
    """Make the pending secret the account's second factor once a code from it is shown."""
    if not account.totp_pending:
        return False
    step = code_step(account.totp_pending, code, now)
    if step is None:
        return False
    account.totp_secret, account.totp_pending = account.totp_pending, None
    account.totp_last_step = max(step, account.totp_last_step or step)
    await session.flush()
    return True
