"""Committee accounts (admins, observers, trustees): creating them, from the API, the CLI
or the accounts page; disabling, password resets, observer kinds per election."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ballot.election.refusal import Grounds, Refused
from ballot.service.acting import get_election, invalid
from ballot.store import account_admin, accounts, observers, throttle
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


async def create_with_temporary_password(
    session: AsyncSession, actor: str, *, email: str, name: str, role: str, now: datetime
) -> tuple[Account, str]:
    """A new account with a generated password, to be shown once to the admin and changed
    by its holder at the first sign-in (the password is never logged or stored in clear)."""
    password = account_admin.temporary_password()
    account = await create_account(
        session, actor, email=email, name=name, role=role, password=password, now=now
    )
    account.must_change_password = True
    await session.flush()
    return account, password


async def account_by_id(session: AsyncSession, account_id: int) -> Account:
    account = await session.get(Account, account_id)
    if account is None:
        raise Refused(f"no account {account_id}", code="no_account", grounds=Grounds.NOT_FOUND)
    return account


async def set_enabled(
    session: AsyncSession, actor: Account, target: Account, *, enabled: bool, now: datetime
) -> None:
    """Disable (signed out everywhere, cannot sign in) or enable again an account.

    Nobody disables their own account (an admin could lock the committee out by a slip),
    and the last admin who can sign in stays.
    """
    if target.id == actor.id:
        raise Refused("you cannot disable your own account", code="own_account")
    if (
        not enabled
        and target.role == "admin"
        and not target.disabled
        and await account_admin.active_admins(session) <= 1
    ):
        raise Refused("the last admin who can sign in cannot be disabled", code="last_admin")
    target.disabled = not enabled
    if not enabled:
        await account_admin.end_sessions(session, target.id)
    await log_activity(
        session,
        f"account:{actor.email}",
        "account_enabled" if enabled else "account_disabled",
        now,
        email=target.email,
    )


async def reset_password(
    session: AsyncSession, actor: Account, target: Account, *, remove_totp: bool, now: datetime
) -> str:
    """A new temporary password for someone else (shown once; they must change it).

    Their sessions end and their sign-in throttle is cleared; with ``remove_totp`` (a lost
    phone) their second factor goes too, and they enrol a new one after signing in.
    """
    if target.id == actor.id:
        raise Refused("change your own password on your account page", code="own_account")
    password = account_admin.temporary_password()
    account_admin.set_password(target, password, temporary=True)
    if remove_totp:
        target.totp_secret = target.totp_pending = None
    await account_admin.end_sessions(session, target.id)
    await throttle.unlock(session, target.email)
    await log_activity(
        session,
        f"account:{actor.email}",
        "password_reset",
        now,
        email=target.email,
        two_factor_removed=remove_totp,
    )
    return password


async def change_own_password(
    session: AsyncSession, account: Account, new: str, now: datetime, keep_session: str
) -> None:
    """The holder's new password (the caller has checked the current one); other sessions end."""
    try:
        account_admin.set_password(account, new, temporary=False)
    except accounts.AccountError as exc:
        raise invalid(str(exc), "password_invalid") from exc
    await account_admin.end_sessions(session, account.id, keep=keep_session)
    await log_activity(session, f"account:{account.email}", "password_changed", now)


async def grant_observer(
    session: AsyncSession,
    actor: str,
    target: Account,
    election_id: str,
    kind: str,
    now: datetime,
) -> None:
    """Let an observer account follow one election: ``names`` or ``counts`` only."""
    if target.role != "observer":
        raise invalid("only observer accounts follow an election this way", "not_observer")
    if kind not in observers.KINDS:
        raise invalid("choose what the observer sees: names or counts", "observer_kind")
    await get_election(session, election_id)
    await observers.set_grant(session, election_id, target.id, kind, now)
    await log_activity(
        session, actor, "observer_granted", now, election_id, email=target.email, sees=kind
    )


async def remove_observer(
    session: AsyncSession, actor: str, target: Account, election_id: str, now: datetime
) -> None:
    if await observers.remove_grant(session, election_id, target.id):
        await log_activity(session, actor, "observer_removed", now, election_id, email=target.email)
