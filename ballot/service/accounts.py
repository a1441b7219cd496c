"""Creating committee accounts (admins, observers, trustees), from the API or the CLI."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ballot.service.acting import invalid
from ballot.store import accounts
from ballot.store.activity import log_activity
from ballot.store.models import Account


async def create_account(
    session: AsyncSession,
    actor: str,
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    now: datetime,
) -> Account:
    """A new account, logged as created by ``actor``; bad input is refused (invalid)."""
    try:
        account = await accounts.create_account(
            session, email=email, name=name, role=role, password=password, now=now
        )
    except accounts.AccountError as exc:
        raise invalid(str(exc), "account_invalid") from exc
    await log_activity(
        session, actor, "account_created", now, email=account.email, role=account.role
    )
    return account
