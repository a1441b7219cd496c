"""Committee accounts: Argon2id passwords, server-side sessions, throttling, TOTP.

Sessions are random ids in an HttpOnly cookie; only their SHA-256 is stored, so a
leaked database does not let anyone sign in.  Failed sign-ins are counted per account
and per address so a guessing attack is slowed whichever of the two it varies.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.config import argon2_profile
from ballot.store.models import Account, LoginFailure, WebSession

ROLES = ("admin", "observer", "trustee")
SESSION_LIFETIME = timedelta(hours=12)
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_LIMIT = 5
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


async def recent_failures(
    session: AsyncSession, email: str, ip: str, now: datetime
) -> tuple[int, int]:
    since = now - THROTTLE_WINDOW
    by_email = await session.scalar(
        select(func.count()).where(
            LoginFailure.email == normalise_email(email), LoginFailure.at > since
        )
    )
    by_ip = await session.scalar(
        select(func.count()).where(LoginFailure.ip == ip, LoginFailure.at > since)
    )
    return int(by_email or 0), int(by_ip or 0)


async def authenticate(
    session: AsyncSession, *, email: str, password: str, totp: str | None, ip: str, now: datetime
) -> LoginResult:
    """Check a sign-in; throttled attempts are refused before the password is even looked at."""
    by_email, by_ip = await recent_failures(session, email, ip, now)
    if by_email >= THROTTLE_LIMIT or by_ip >= THROTTLE_LIMIT:
        return LoginResult(None, "throttled")
    account = await find_account(session, email)
    ok = check_password(account.password_hash if account else _DUMMY_HASH, password)
    reason = "ok"
    if account is None or not ok or account.disabled:
        reason = "bad_credentials"
    elif account.totp_secret:
        if not totp:
            reason = "totp_required"
        elif not pyotp.TOTP(account.totp_secret).verify(totp.strip(), for_time=now, valid_window=1):
            reason = "bad_totp"
    if reason in ("bad_credentials", "bad_totp"):
        session.add(LoginFailure(email=normalise_email(email), ip=ip, at=now))
        await session.flush()
        return LoginResult(None, reason)
    if reason == "totp_required":
        return LoginResult(None, reason)
    return LoginResult(account, "ok")


async def clear_failures(session: AsyncSession, email: str, now: datetime) -> None:
    await session.execute(
        delete(LoginFailure).where(
            or_(
                LoginFailure.email == normalise_email(email),
                LoginFailure.at < now - THROTTLE_WINDOW,
            )
        )
    )


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


def provisioning_uri(account: Account, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account.email, issuer_name="ballot")


def confirm_totp(account: Account, code: str, now: datetime) -> bool:
    if not account.totp_pending:
        return False
    if not pyotp.TOTP(account.totp_pending).verify(code.strip(), for_time=now, valid_window=1):
        return False
    account.totp_secret = account.totp_pending
    account.totp_pending = None
    return True
