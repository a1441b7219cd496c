"""What an admin does to other accounts: temporary passwords, disabling, ending sessions.

A temporary password is made here, shown once to the admin who asked for it, and kept
only as its Argon2 hash, like every password; the account is marked so that its holder
must choose their own password at the next sign-in (:mod:`ballot.web.auth`), so the
admin does not go on knowing a working password.
"""

from __future__ import annotations

import secrets

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.store.accounts import AccountError, _session_hash, hash_password
from ballot.store.models import Account, WebSession

MIN_PASSWORD = 10
#: Letters and digits that cannot be mistaken for each other when read aloud or copied
#: from a screen (no 0/o, 1/l/i).
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def temporary_password() -> str:
    """Four groups of four from a 31-symbol alphabet: about 79 bits, easy to read out."""
    groups = ("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4))
    return "-".join(groups)


def set_password(account: Account, password: str, *, temporary: bool) -> None:
    """Replace the account's password (temporary: the holder must change it at sign-in)."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    account.password_hash = hash_password(password)
    account.must_change_password = temporary


async def end_sessions(session: AsyncSession, account_id: int, keep: str | None = None) -> int:
    """Sign the account out everywhere (but the browser session ``keep``, if given)."""
    query = delete(WebSession).where(WebSession.account_id == account_id)
    if keep:
        query = query.where(WebSession.id_hash != _session_hash(keep))
    result = await session.execute(query)
    return int(getattr(result, "rowcount", 0) or 0)


async def active_admins(session: AsyncSession) -> int:
    """How many admin accounts can still sign in (the last one may not be disabled)."""
    return int(
        await session.scalar(
            select(func.count()).where(Account.role == "admin", Account.disabled.is_(False))
        )
        or 0
    )


async def all_accounts(session: AsyncSession) -> list[Account]:
    return list(await session.scalars(select(Account).order_by(Account.role, Account.name)))
