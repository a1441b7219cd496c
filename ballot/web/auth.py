"""Who may call what: one guard reads each route's declared ``access`` level.

Every route handler must declare ``opt={"access": ...}``; a route without one is
refused (fail closed), and a test walks the app's route list to make sure each level
is enforced for each role.  Levels:

* ``public``    — anyone (voter pages, the public board, sign-in);
* ``signed_in`` — any committee account (own account settings);
* ``staff``     — admins and observers (read-only views);
* ``admin``     — committee admins (every change);
* ``election``  — staff, or a trustee of the election in the path;
* ``trustee``   — only a trustee of the election in the path;
* ``names``     — who has voted, by name: admins, and observers whose right in the
  election in the path is "names" (:mod:`ballot.store.observers`; the employer's observer
  sees counts only).

An account whose password an admin set (a temporary one) may use only the routes that
declare ``opt={"temporary_password_ok": True}`` (its own account page, signing out)
until it has chosen its own password: :class:`PasswordChangeRequired`.
"""

from __future__ import annotations

from typing import Any, cast

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import select

from ballot.store.accounts import session_account
from ballot.store.models import Account, ElectionTrustee
from ballot.store.observers import sees_names

#: The session cookie's name: ``__Host-`` (Secure, Path=/, no Domain, so no sibling or parent
#: domain can plant or overwrite it) whenever cookies are Secure, i.e. over TLS; a
#: plain-HTTP demo on localhost cannot use the prefix, browsers would drop the cookie.
SESSION_COOKIE_TLS = "__Host-ballot_session"
SESSION_COOKIE = "ballot_session"


def session_cookie_name(secure: bool) -> str:
    """The session cookie's name for a deployment whose cookies are (or are not) Secure."""
    return SESSION_COOKIE_TLS if secure else SESSION_COOKIE


def session_id_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The session id this request carries ("" if none)."""
    secure = bool(connection.app.state.settings.cookie_secure)
    return connection.cookies.get(session_cookie_name(secure), "")


LEVELS = ("public", "signed_in", "staff", "admin", "election", "trustee", "names")


class PasswordChangeRequired(PermissionDeniedException):
    """The account signed in with a temporary password and must choose its own first."""


async def current_account(connection: ASGIConnection[Any, Any, Any, Any]) -> Account | None:
    """The signed-in account of this request (looked up once, then cached on the request)."""
    cached = connection.scope.get("ballot_account", False)
    if cached is not False:
        return cast("Account | None", cached)
    account = None
    session_id = session_id_of(connection)
    if session_id:
        factory = connection.app.state.session_factory
        async with factory() as db:
            account = await session_account(db, session_id, connection.app.state.clock())
    connection.scope["ballot_account"] = account  # type: ignore[typeddict-unknown-key]
    return account


async def _is_trustee(connection: ASGIConnection[Any, Any, Any, Any], account: Account) -> bool:
    election_id = connection.path_params.get("election_id")
    if not election_id or account.role != "trustee":
        return False
    async with connection.app.state.session_factory() as db:
        seat = await db.scalar(
            select(ElectionTrustee.id).where(
                ElectionTrustee.election_id == election_id,
                ElectionTrustee.account_id == account.id,
            )
        )
    return seat is not None


async def _sees_names(connection: ASGIConnection[Any, Any, Any, Any], account: Account) -> bool:
    election_id = connection.path_params.get("election_id")
    if not election_id:
        return False
    async with connection.app.state.session_factory() as db:
        return await sees_names(db, account, election_id)


async def access_guard(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    level = handler.opt.get("access")
    if level not in LEVELS:
        raise PermissionDeniedException("this route declares no access level")
    if level == "public":
        return
    account = await current_account(connection)
    if account is None:
        raise NotAuthorizedException("sign in first")
    if account.must_change_password and not handler.opt.get("temporary_password_ok"):
        raise PasswordChangeRequired("choose your own password first")
    if level == "signed_in":
        return
    role = account.role
    if level == "admin" and role == "admin":
        return
    if level == "staff" and role in ("admin", "observer"):
        return
    if level == "election" and (
        role in ("admin", "observer") or await _is_trustee(connection, account)
    ):
        return
    if level == "trustee" and await _is_trustee(connection, account):
        return
    if level == "names" and await _sees_names(connection, account):
        return
    raise PermissionDeniedException("your account may not do this")
