"""The roll in the browser: search and filter members one page at a time, correct a member
before opening, add a member, and send, reissue or withdraw one member's link.

Pages are server-rendered, 50 rows at a time (a roll can have 260,000 members), in the
reader's language (:mod:`ballot.web.committee_render`).  Who has voted is on these pages,
so the list is for admins and for observers whose right in this election is "names"
(access level ``names``); addresses and every change are for admins.  Each act on a
link asks for a deliberate confirmation (a ticked box) and is in the activity log.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from ballot.election.languages import LANGUAGES
from ballot.election.lifecycle import roll_editable
from ballot.election.refusal import Refused
from ballot.mail.receipts import delivery_details, member_delivery
from ballot.service import roll_desk, voters
from ballot.service.acting import get_election
from ballot.store.elections import texts_by_language
from ballot.store.models import Election
from ballot.store.roll import roll_size
from ballot.store.roll_search import (
    LINK_STATES,
    MAX_SEARCH,
    VOTED_FILTERS,
    RollQuery,
    link_states,
    roll_units,
    search_roll,
)
from ballot.store.step_facts import voted_count
from ballot.web import roll_words
from ballot.web.committee_render import committee_language, committee_page, gettext_of
from ballot.web.deps import Db, acting
from ballot.web.pages import Form
from ballot.web.refusals import status_for

C = "/committee/elections/{election_id:str}"


async def election_title(db: Db, election: Election, language: str) -> str:
    texts = await texts_by_language(db, election.id)
    return texts.get(language, {}).get("title") or texts.get("en", {}).get("title") or election.id


def confirmed(data: dict[str, str]) -> bool:
    """Was the confirmation box ticked?  (An irreversible act needs a deliberate yes.)"""
    return data.get("confirm") == "yes"


#: Delivery states after which the committee is offered another way.
UNDELIVERED = ("bounced", "failed")


class RollPages(Controller):
    path = C

    async def _context(self, request: Request[Any, Any, Any], db: Db, election_id: str) -> Any:
        election = await get_election(db, election_id)
        title = await election_title(db, election, committee_language(request))
        return election, {
            "election": election,
            "title": title,
            "words": roll_words,
            "languages": LANGUAGES,
            "editable": roll_editable(election.state),
        }

    @get("/members", opt={"access": "names"})
    async def members(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        q: FromQuery[str] = "",
        unit: FromQuery[str] = "",
        language: FromQuery[str] = "",
        voted: FromQuery[str] = "",
        link: FromQuery[str] = "",
        page: FromQuery[int] = 1,
    ) -> Response[str]:
        """One page of the roll, filtered; bad filter values are a 400 that says which."""
        _election, context = await self._context(request, db, election_id)
        _ = gettext_of(request)
        query = RollQuery(q, unit, language, voted, link, page)
        problem = None
        if len(q) > MAX_SEARCH:
            problem = _("The search text is too long.")
        elif voted and voted not in VOTED_FILTERS:
            problem = _("Choose whether the members have voted from the list.")
        elif link and link not in LINK_STATES:
            problem = _("Choose the state of the voting link from the list.")
        elif language and language not in LANGUAGES:
            problem = _("Choose a language from the list.")
        elif page < 1:
            problem = _("There is no such page.")
        if problem:
            query = RollQuery()
        found = await search_roll(db, election_id, query)
        delivery = await member_delivery(db, election_id, [r.voter_id for r in found.rows])
        return committee_page(
            request,
            "roll",
            status=400 if problem else 200,
            error=problem,
            query=query,
            found=found,
            delivery=delivery,
            units=await roll_units(db, election_id),
            **context,
        )

    @get("/members/{member_id:str}", opt={"access": "admin"})
    async def member(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        member_id: FromPath[str],
        db: Db,
    ) -> Response[str]:
        return await self._member_page(request, election_id, member_id, db)

    async def _member_page(
        self,
        request: Request[Any, Any, Any],
        election_id: str,
        member_id: str,
        db: Db,
        status: int = 200,
        **extra: Any,
    ) -> Response[str]:
        election, context = await self._context(request, db, election_id)
        voter = await voters.find_voter(db, election, member_id)
        states = await link_states(db, [voter.id])
        delivery = (await member_delivery(db, election.id, [voter.id]))[voter.id]
        # "Send by another way": after a bounce, every way the member has that has not
        # failed them (the one that bounced included, if it was not their own); else the
        # ways other than their own.
        failed = {channel for channel, state in delivery.items() if state in UNDELIVERED}
        ways = [way for way, contact in (("email", voter.email), ("sms", voter.phone)) if contact]
        return committee_page(
            request,
            "member",
            status=status,
            voter=voter,
            link=states[voter.id],
            delivery=delivery,
            delivery_details=await delivery_details(db, election.id, voter.id),
            undelivered=bool(failed),
            other_channels=[
                way for way in ways if (way not in failed if failed else way != voter.channel)
            ],
            **{**context, **extra},
        )

    async def _act(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        election_id: str,
        member_id: str,
        data: dict[str, str],
        act: Any,
        notice: str,
    ) -> Response[Any]:
        """Run one confirmed act on a member; show the member page with what happened."""
        _ = gettext_of(request)
        election = await get_election(db, election_id, lock=True)
        if not confirmed(data):
            await db.rollback()
            return await self._member_page(
                request,
                election_id,
                member_id,
                db,
                status=400,
                error=_("Nothing was done: tick the box to confirm first."),
                form=data,
            )
        try:
            problems = await act(election)
        except Refused as exc:
            await db.rollback()
            return await self._member_page(
                request,
                election_id,
                member_id,
                db,
                status=status_for(exc.grounds),
                error=roll_words.refusal_text(exc, _),
                form=data,
            )
        if problems:
            await db.rollback()
            return await self._member_page(
                request, election_id, member_id, db, status=422, problems=problems, form=data
            )
        await db.commit()
        return await self._member_page(request, election_id, member_id, db, notice=_(notice))

    @post("/members/{member_id:str}", opt={"access": "admin"})
    async def correct(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        member_id: FromPath[str],
        db: Db,
        data: Form,
    ) -> Response[Any]:
        """Correct a member's name, address, phone, channel, language or unit (until voting
        opens)."""
        changes = {k: data.get(k, "") for k in ("name", "email", "language", "unit")}
        changes.update({k: data[k] for k in ("phone", "channel") if k in data})

        async def act(election: Election) -> Any:
            _voter, problems = await voters.correct_voter(
                db, acting(request), election, member_id, changes
            )
            return problems

        return await self._act(
            request,
            db,
            election_id,
            member_id,
            {**data, "confirm": "yes"},
            act,
            roll_words._("The member's entry is corrected."),
        )

    @post("/members/{member_id:str}/resend", opt={"access": "admin"})
    async def resend(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        member_id: FromPath[str],
        db: Db,
        data: Form,
    ) -> Response[Any]:
        async def act(election: Election) -> Any:
            await roll_desk.resend(db, acting(request), election, member_id)

        return await self._act(
            request,
            db,
            election_id,
            member_id,
            data,
            act,
            roll_words._("A new link is on its way to the member. The old link no longer works."),
        )

    @post("/members/{member_id:str}/send-by", opt={"access": "admin"})
    async def send_by(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        member_id: FromPath[str],
        db: Db,
        data: Form,
    ) -> Response[Any]:
        """Send a new link by another channel (e-mail instead of a text, or the reverse)."""

        async def act(election: Election) -> Any:
            await roll_desk.send_by_channel(
                db, acting(request), election, member_id, data.get("channel", "")
            )

        return await self._act(
            request,
            db,
            election_id,
            member_id,
            data,
            act,
            roll_words._(
                "A new link is on its way by the way you chose. The old link no longer works."
            ),
        )

    @post("/members/{member_id:str}/reissue", opt={"access": "admin"})
    async def reissue(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        member_id: FromPath[str],
        db: Db,
        data: Form,
    ) -> Response[Any]:
        async def act(election: Election) -> Any:
            await roll_desk.reissue(db, acting(request), election, member_id, data.get("email", ""))

        return await self._act(
            request,
            db,
            election_id,
            member_id,
            data,
            act,
            roll_words._("The link is reissued: the old one is dead and a new one is on its way."),
        )

    @get("/members/{member_id:str}/withdraw", opt={"access": "admin"})
    async def withdraw_page(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        member_id: FromPath[str],
        db: Db,
    ) -> Response[str]:
        """Withdrawing a link confirms on its own page, with what it changes in figures."""
        return await self._withdraw_page(request, election_id, member_id, db)

    async def _withdraw_page(
        self,
        request: Request[Any, Any, Any],
        election_id: str,
        member_id: str,
        db: Db,
        status: int | None = None,
        **extra: Any,
    ) -> Response[str]:
        election, context = await self._context(request, db, election_id)
        voter = await voters.find_voter(db, election, member_id)
        link = (await link_states(db, [voter.id]))[voter.id]
        blocked = (
            "not_open"
            if election.state != "open"
            else "voted"
            if voter.voted_at
            else "withdrawn"
            if link == "revoked"
            else None
        )
        return committee_page(
            request,
            "withdraw_link",
            status=status or (409 if blocked else 200),
            voter=voter,
            link=link,
            blocked=blocked,
            turnout={
                "voted": await voted_count(db, election_id),
                "members": await roll_size(db, election_id),
            },
            **{**context, "form": {}, **extra},
        )

    @post("/members/{member_id:str}/withdraw", opt={"access": "admin"})
    async def withdraw(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        member_id: FromPath[str],
        db: Db,
        data: Form,
    ) -> Response[Any]:
        if not confirmed(data):
            _ = gettext_of(request)
            return await self._withdraw_page(
                request,
                election_id,
                member_id,
                db,
                status=400,
                error=_("Nothing was done: tick the box to confirm first."),
                form=data,
            )

        async def act(election: Election) -> Any:
            await roll_desk.withdraw(
                db, acting(request), election, member_id, on_paper=data.get("paper") == "yes"
            )

        return await self._act(
            request,
            db,
            election_id,
            member_id,
            data,
            act,
            roll_words._("The member's link is withdrawn."),
        )

    @get("/add-member", opt={"access": "admin"})
    async def add_form(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> Response[str]:
        _election, context = await self._context(request, db, election_id)
        return committee_page(request, "add_member", form={}, **context)

    @post("/add-member", opt={"access": "admin"})
    async def add(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db, data: Form
    ) -> Response[Any]:
        """Add one member (a late member once voting is open); the form keeps every value."""
        _ = gettext_of(request)
        election = await get_election(db, election_id, lock=True)
        fields = {k: data.get(k, "") for k in roll_desk.MEMBER_FIELDS}
        try:
            voter, problems = await roll_desk.add_member(db, acting(request), election, fields)
        except Refused as exc:
            await db.rollback()
            return await self._add_again(
                request,
                db,
                election_id,
                data,
                status_for(exc.grounds),
                roll_words.refusal_text(exc, _),
            )
        if voter is None:
            await db.rollback()
            return await self._add_again(request, db, election_id, data, 422, None, problems)
        await db.commit()
        return Redirect(
            path=f"/committee/elections/{election_id}/members/{voter.member_id}", status_code=303
        )

    async def _add_again(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        election_id: str,
        data: dict[str, str],
        status: int,
        error: str | None,
        problems: Any = None,
    ) -> Response[str]:
        _election, context = await self._context(request, db, election_id)
        return committee_page(
            request,
            "add_member",
            status=status,
            form=data,
            error=error,
            problems=problems,
            **context,
        )
