"""Accounts in the browser (admins): committee members, trustees and observers.

An admin creates an account and gets a temporary password to hand over (shown once,
never logged, kept only as its hash); its holder must choose their own at the first
sign-in.  An admin disables or enables an account, gives someone a new temporary
password (optionally removing a lost phone's second factor), and says which elections an
observer follows and whether they see who has voted (names) or counts only.  The same
service functions as the JSON API and the command line make every change and log it.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from sqlalchemy import select

from ballot.election.refusal import Refused
from ballot.service import accounts
from ballot.store.account_admin import all_accounts
from ballot.store.elections import texts_by_language
from ballot.store.models import Account, Election
from ballot.store.observers import KINDS, grants
from ballot.web import roll_words
from ballot.web.committee_render import committee_language, committee_page, gettext_of
from ballot.web.deps import Db, account_of, acting
from ballot.web.pages import Form
from ballot.web.refusals import status_for

A = "/committee/accounts"


async def election_titles(db: Db, language: str) -> dict[str, str]:
    """Every election's title in the page's language (English, else the id, if missing)."""
    out = {}
    for election in await db.scalars(select(Election).order_by(Election.created_at.desc())):
        texts = await texts_by_language(db, election.id)
        out[election.id] = (
            texts.get(language, {}).get("title") or texts.get("en", {}).get("title") or election.id
        )
    return out


class AccountPages(Controller):
    path = A

    async def _list(
        self, request: Request[Any, Any, Any], db: Db, status: int = 200, **extra: Any
    ) -> Response[str]:
        everyone = await all_accounts(db)
        by_account: dict[int, list[Any]] = {}
        for g in await grants(db):
            by_account.setdefault(g.account_id, []).append(g)
        return committee_page(
            request,
            "accounts",
            status=status,
            accounts=everyone,
            grants=by_account,
            elections=await election_titles(db, committee_language(request)),
            words=roll_words,
            kinds=KINDS,
            **{"form": {}, **extra},
        )

    @get("/", opt={"access": "admin"})
    async def index(self, request: Request[Any, Any, Any], db: Db) -> Response[str]:
        return await self._list(request, db)

    @post("/", opt={"access": "admin"})
    async def create(self, request: Request[Any, Any, Any], db: Db, data: Form) -> Response[str]:
        """A new account; an observer can be given their first election and kind at once."""
        _ = gettext_of(request)
        ctx = acting(request)
        try:
            account, password = await accounts.create_with_temporary_password(
                db,
                ctx.actor,
                email=data.get("email", ""),
                name=data.get("name", "").strip() or data.get("email", ""),
                role=data.get("role", ""),
                now=ctx.now,
            )
            if account.role == "observer" and data.get("election"):
                await accounts.grant_observer(
                    db, ctx.actor, account, data["election"], data.get("kind", ""), ctx.now
                )
        except Refused as exc:
            await db.rollback()
            return await self._list(
                request,
                db,
                status=status_for(exc.grounds),
                error=roll_words.refusal_text(exc, _),
                form=data,
            )
        await db.commit()
        return await self._list(request, db, made=account, password=password)

    async def _one(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        account_id: int,
        status: int = 200,
        **extra: Any,
    ) -> Response[str]:
        target = await accounts.account_by_id(db, account_id)
        return committee_page(
            request,
            "account",
            status=status,
            target=target,
            grants=await grants(db, [target.id]),
            elections=await election_titles(db, committee_language(request)),
            words=roll_words,
            kinds=KINDS,
            **extra,
        )

    @get("/{account_id:int}", opt={"access": "admin"})
    async def show(
        self, request: Request[Any, Any, Any], account_id: FromPath[int], db: Db
    ) -> Response[str]:
        return await self._one(request, db, account_id)

    async def _act(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        account_id: int,
        data: dict[str, str],
        act: Any,
        *,
        confirm: bool = True,
    ) -> Response[str]:
        _ = gettext_of(request)
        target = await db.get(Account, account_id, with_for_update=True)
        if target is None:
            return await self._one(request, db, account_id)  # refused as not found
        if confirm and data.get("confirm") != "yes":
            await db.rollback()
            return await self._one(
                request,
                db,
                account_id,
                status=400,
                error=_("Nothing was done: tick the box to confirm first."),
            )
        try:
            extra = await act(target) or {}
        except Refused as exc:
            await db.rollback()
            return await self._one(
                request,
                db,
                account_id,
                status=status_for(exc.grounds),
                error=roll_words.refusal_text(exc, _),
            )
        await db.commit()
        return await self._one(request, db, account_id, **extra)

    @post("/{account_id:int}/disable", opt={"access": "admin"})
    async def disable(
        self, request: Request[Any, Any, Any], account_id: FromPath[int], db: Db, data: Form
    ) -> Response[str]:
        me = await accounts.account_by_id(db, account_of(request).id)

        async def act(target: Account) -> Any:
            enabled = data.get("enabled") == "yes"
            await accounts.set_enabled(db, me, target, enabled=enabled, now=acting(request).now)
            return {"notice": "enabled" if enabled else "disabled"}

        return await self._act(request, db, account_id, data, act)

    @post("/{account_id:int}/password", opt={"access": "admin"})
    async def reset(
        self, request: Request[Any, Any, Any], account_id: FromPath[int], db: Db, data: Form
    ) -> Response[str]:
        me = await accounts.account_by_id(db, account_of(request).id)

        async def act(target: Account) -> Any:
            password = await accounts.reset_password(
                db, me, target, remove_totp=data.get("totp") == "yes", now=acting(request).now
            )
            return {"password": password}

        return await self._act(request, db, account_id, data, act)

    @post("/{account_id:int}/elections", opt={"access": "admin"})
    async def observe(
        self, request: Request[Any, Any, Any], account_id: FromPath[int], db: Db, data: Form
    ) -> Response[str]:
        """Give or change an observer's right in one election, or take it away."""
        ctx = acting(request)

        async def act(target: Account) -> Any:
            election_id = data.get("election", "")
            if data.get("remove") == "yes":
                await accounts.remove_observer(db, ctx.actor, target, election_id, ctx.now)
            else:
                await accounts.grant_observer(
                    db, ctx.actor, target, election_id, data.get("kind", ""), ctx.now
                )
            return {"notice": "observer"}

        return await self._act(request, db, account_id, data, act, confirm=False)
