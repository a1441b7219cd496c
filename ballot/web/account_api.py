"""JSON API for signing in and out, the signed-in account, and creating accounts."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.service import accounts
from ballot.store import accounts as acc
from ballot.store.activity import log_activity
from ballot.store.models import Account
from ballot.web.auth import session_cookie_name, session_id_of
from ballot.web.deps import Db, account_of, acting, client_ip

THROTTLED = (
    "Too many failed sign-ins. Wait at least 15 minutes (longer after repeated failures), "
    "or sign in with your two-factor code; an administrator can also unlock the account."
)


class LoginIn(msgspec.Struct):
    email: str
    password: str
    totp: str | None = None


class TotpCode(msgspec.Struct):
    code: str


class TotpChange(msgspec.Struct):
    password: str
    code: str | None = None


class AccountIn(msgspec.Struct):
    email: str
    name: str
    role: str
    password: str


def error(message: str, status: int, **extra: Any) -> Response[dict[str, Any]]:
    """An error answer the refusal handler does not cover (sign-in failures: 401)."""
    return Response({"error": message, **extra}, status_code=status)


def session_cookie(
    request: Request[Any, Any, Any], value: str, max_age: int | None = None
) -> Cookie:
    return Cookie(
        key=session_cookie_name(request.app.state.settings.cookie_secure),
        value=value,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.cookie_secure,
        max_age=max_age,
    )


async def sign_in(
    request: Request[Any, Any, Any], db: AsyncSession, email: str, password: str, totp: str | None
) -> tuple[str | None, str]:
    """Shared by the API and the form: (session id or None, reason)."""
    now = request.app.state.clock()
    result = await acc.authenticate(
        db, email=email, password=password, totp=totp, ip=client_ip(request), now=now
    )
    if result.account is None:
        await db.commit()  # keep the recorded failure
        return None, result.reason
    await acc.clear_failures(db, email, now)
    session_id = await acc.open_session(db, result.account, now)
    await log_activity(db, f"account:{result.account.email}", "sign_in", now)
    await db.commit()
    return session_id, "ok"


LOGIN_MESSAGES = {
    "throttled": (THROTTLED, 429),
    "bad_credentials": ("Wrong email or password.", 401),
    "totp_required": ("Enter the code from your authenticator app.", 401),
    "bad_totp": ("That authenticator code is not right.", 401),
}


class SessionController(Controller):
    path = "/api"

    @post("/login", opt={"access": "public"}, status_code=200)
    async def login(
        self, request: Request[Any, Any, Any], db: Db, data: JSONBody[LoginIn]
    ) -> Response[Any]:
        session_id, reason = await sign_in(request, db, data.email, data.password, data.totp)
        if session_id is None:
            message, status = LOGIN_MESSAGES[reason]
            return error(message, status, reason=reason)
        return Response({"ok": True}, cookies=[session_cookie(request, session_id)])

    @post("/logout", opt={"access": "signed_in", "temporary_password_ok": True}, status_code=200)
    async def logout(self, request: Request[Any, Any, Any], db: Db) -> Response[Any]:
        await acc.close_session(db, session_id_of(request))
        await db.commit()
        return Response({"ok": True}, cookies=[session_cookie(request, "", max_age=0)])

    @get("/me", opt={"access": "signed_in", "temporary_password_ok": True})
    async def me(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        a = account_of(request)
        return {"email": a.email, "name": a.name, "role": a.role, "totp": bool(a.totp_secret)}

    @post("/account/totp", opt={"access": "signed_in"}, status_code=200)
    async def totp_start(
        self, request: Request[Any, Any, Any], db: Db, data: JSONBody[TotpChange]
    ) -> Response[Any]:
        """A new second factor: asks for the password (and the current code) again."""
        now = request.app.state.clock()
        account = await db.get(Account, account_of(request).id)
        assert account is not None
        refused = await acc.may_change_totp(
            db, account, password=data.password, code=data.code, ip=client_ip(request), now=now
        )
        if refused is not None:
            await db.commit()
            return error(refused, 403)
        secret = acc.start_totp(account)
        await db.commit()
        return Response({"secret": secret, "uri": acc.provisioning_uri(account, secret)})

    @post("/account/totp/confirm", opt={"access": "signed_in"}, status_code=200)
    async def totp_confirm(
        self, request: Request[Any, Any, Any], db: Db, data: JSONBody[TotpCode]
    ) -> Response[Any]:
        account = await db.get(Account, account_of(request).id)
        assert account is not None
        if not await acc.confirm_totp(db, account, data.code, request.app.state.clock()):
            return error("That code does not match; try the current one.", 400)
        now = request.app.state.clock()
        await log_activity(db, f"account:{account.email}", "totp_enabled", now)
        await db.commit()
        return Response({"ok": True})


class AccountController(Controller):
    path = "/api/accounts"

    @post("/", opt={"access": "admin"})
    async def create(
        self, request: Request[Any, Any, Any], db: Db, data: JSONBody[AccountIn]
    ) -> Response[Any]:
        ctx = acting(request)
        account = await accounts.create_account(
            db,
            ctx.actor,
            email=data.email,
            name=data.name,
            role=data.role,
            password=data.password,
            now=ctx.now,
        )
        await db.commit()
        return Response(
            {"id": account.id, "email": account.email, "role": account.role}, status_code=201
        )


ACCOUNT_CONTROLLERS = [SessionController, AccountController]
