"""The ways to vote the notice of election offers: a polling place (where and when), paper.

A small page of its own beside the Print section: the notice describes a channel only
when the committee offers it (:func:`ballot.service.notice.offered_channels`).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath

from ballot.election.refusal import Refused
from ballot.service import notice
from ballot.service.acting import get_election
from ballot.web.committee_render import committee_language, committee_page, gettext_of
from ballot.web.deps import Db, acting
from ballot.web.pages import Form
from ballot.web.refusals import status_for
from ballot.web.roll_pages import election_title

#: States in which the ways to vote can still change (the notice is printed until close).
EDITABLE = ("draft", *notice.NOTICE_STATES)


class WaysToVotePages(Controller):
    path = "/committee/elections/{election_id:str}/ways-to-vote"

    async def _page(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        election_id: str,
        status: int = 200,
        **extra: Any,
    ) -> Response[str]:
        election = await get_election(db, election_id)
        submitted = {
            "polling_place": election.polling_place or "",
            "paper_ballots": "yes" if election.paper_ballots else "",
        }
        return committee_page(
            request,
            "ways_to_vote",
            status=status,
            election=election,
            title=await election_title(db, election, committee_language(request)),
            editable=election.state in EDITABLE,
            **{"errors": {}, "submitted": submitted, **extra},
        )

    @get("", opt={"access": "admin"})
    async def form(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> Response[str]:
        return await self._page(request, db, election_id)

    @post("", opt={"access": "admin"}, status_code=200)
    async def save(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db, data: Form
    ) -> Response[str]:
        """Save both settings at once; a refusal keeps what was typed and changes nothing."""
        _ = gettext_of(request)
        place, paper = data.get("polling_place", ""), data.get("paper_ballots") == "yes"
        election = await get_election(db, election_id, lock=True)
        try:
            await notice.set_ways_to_vote(db, acting(request), election, place, paper)
        except Refused as exc:
            await db.rollback()
            typed = {"polling_place": place, "paper_ballots": "yes" if paper else ""}
            if exc.code == "polling_place_too_long":
                message = _("Describe the polling place in at most %(n)s characters.") % {
                    "n": notice.MAX_POLLING_PLACE
                }
                errors = {"polling-place": [message]}
            else:
                message, errors = _("Voting has ended: the notice is no longer printed."), {}
            return await self._page(
                request,
                db,
                election_id,
                status=status_for(exc.grounds),
                error=message,
                errors=errors,
                submitted=typed,
            )
        await db.commit()
        return await self._page(request, db, election_id, notice=_("Saved."))
