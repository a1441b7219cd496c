"""Your own account in the browser: choose a new password, turn on two-factor sign-in.

Both ask for the current password again (and the current code once two-factor is on),
under the sign-in throttle (:func:`ballot.store.accounts.may_change_totp`), so a borrowed
or stolen session cannot take the account over.  Two-factor enrolment shows a QR code
(made here with ``segno``, as an image in the page: no third-party request) and the
secret in letters, then asks for a first code from the app before switching it on.
A temporary password from an admin leads here, and nowhere else, until it is replaced.
"""

from __future__ import annotations

from typing import Any

import segno
from litestar import Controller, Request, Response, get, post

from ballot.election.refusal import Refused
from ballot.service import accounts as account_service
from ballot.store import accounts as acc
from ballot.store.activity import log_activity
from ballot.store.models import Account
from ballot.web.auth import session_id_of
from ballot.web.committee_render import committee_page, gettext_of
from ballot.web.deps import Db, account_of, client_ip
from ballot.web.pages import Form

OPEN = {"access": "signed_in", "temporary_password_ok": True}


def _(message: str) -> str:
    """Marks a message for extraction; translated when shown."""
    return message


#: The throttle's refusals (English, from the store) in the page's words.
REAUTH = {
    "the password is not right": _("Your current password is not right."),
    "give the current code of your authenticator app": _(
        "Enter the current code from your authenticator app."
    ),
    "too many failed attempts; wait, then try again": _(
        "Too many failed attempts. Wait, then try again."
    ),
}


def qr_image(uri: str) -> str:
    """The provisioning URI as an SVG data URI (the page's CSP allows ``img-src data:``)."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=4))


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


class MyAccountPages(Controller):
    path = "/committee/account"

    async def _page(
        self, request: Request[Any, Any, Any], db: Db, status: int = 200, **extra: Any
    ) -> Response[str]:
        me = await db.get(Account, account_of(request).id)
        return committee_page(request, "my_account", status=status, me=me, **extra)

    @get("/", opt=OPEN)
    async def show(self, request: Request[Any, Any, Any], db: Db) -> Response[str]:
        return await self._page(request, db)

    async def _reauth(
        self, request: Request[Any, Any, Any], db: Db, me: Account, data: dict[str, str]
    ) -> str | None:
        """Why the current password (and code) do not let this change happen, or None.

        An empty password is a form left blank, not a guess: refused without a throttle slot.
        """
        _ = gettext_of(request)
        if not data.get("password"):
            return str(_("Enter your current password."))
        refused = await acc.may_change_totp(
            db,
            me,
            password=data.get("password", ""),
            code=data.get("code") or None,
            ip=client_ip(request),
            now=request.app.state.clock(),
        )
        if refused is None:
            return None
        return str(_(REAUTH.get(refused, refused)))

    @post("/password", opt=OPEN)
    async def password(self, request: Request[Any, Any, Any], db: Db, data: Form) -> Response[str]:
        _ = gettext_of(request)
        me = await db.get(Account, account_of(request).id, with_for_update=True)
        assert me is not None
        new, again = data.get("new", ""), data.get("again", "")
        if new != again:
            return await self._page(
                request, db, status=400, error=_("The two new passwords are not the same.")
            )
        if len(new) < 10:
            return await self._page(
                request,
                db,
                status=400,
                error=_("The new password must have at least 10 characters."),
            )
        refused = await self._reauth(request, db, me, data)
        if refused:
            await db.commit()  # the throttle keeps the failure
            return await self._page(request, db, status=403, error=refused)
        try:
            await account_service.change_own_password(
                db, me, new, request.app.state.clock(), session_id_of(request)
            )
        except Refused as exc:
            await db.rollback()
            return await self._page(request, db, status=400, error=exc.message)
        await db.commit()
        return await self._page(request, db, notice=_("Your new password is set."))

    @post("/totp", opt={"access": "signed_in"})
    async def totp_start(
        self, request: Request[Any, Any, Any], db: Db, data: Form
    ) -> Response[str]:
        """Check the password (and current code), then show the new secret once."""
        me = await db.get(Account, account_of(request).id, with_for_update=True)
        assert me is not None
        refused = await self._reauth(request, db, me, data)
        if refused:
            await db.commit()
            return await self._page(request, db, status=403, error=refused)
        secret = acc.start_totp(me)
        await db.commit()
        return await self._page(
            request,
            db,
            enrolling=True,
            qr=qr_image(acc.provisioning_uri(me, secret)),
            secret=grouped(secret),
        )

    @post("/totp/confirm", opt={"access": "signed_in"})
    async def totp_confirm(
        self, request: Request[Any, Any, Any], db: Db, data: Form
    ) -> Response[str]:
        """A first code from the app switches two-factor sign-in on."""
        _ = gettext_of(request)
        me = await db.get(Account, account_of(request).id, with_for_update=True)
        assert me is not None
        now = request.app.state.clock()
        code = data.get("code", "").replace(" ", "")
        if not me.totp_pending:
            return await self._page(
                request, db, status=409, error=_("Start again: no new code was being set up.")
            )
        if not (code.isdigit() and await acc.confirm_totp(db, me, code, now)):
            return await self._page(
                request,
                db,
                status=400,
                enrolling=True,
                error=_("That code does not match. Type the code your app shows now."),
            )
        await log_activity(db, f"account:{me.email}", "totp_enabled", now)
        await db.commit()
        return await self._page(request, db, notice=_("Two-factor sign-in is on."))
