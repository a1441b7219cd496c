"""The polling place: a committee-run device on which members vote in person.

A committee member signed in on the device opens the polling place, searches the roll
(which says whether each member has voted, and by which channel) and checks a member in.
The answer to the check-in is the member's ballot, in their language, on the same page and
with the same encryption in the browser as online: the credential minted for the visit is
in the page's data block only (never in an address, so never in the browser's history),
the script takes it out of the page at once, and the page goes back to the check-in
screen without leaving a history entry.  Nothing of the visit stays on the device.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from ballot.election.languages import LANGUAGES
from ballot.election.refusal import Refused
from ballot.service import polling
from ballot.service.acting import get_election
from ballot.store.roll_search import MAX_SEARCH, RollPage, RollQuery, search_roll
from ballot.store.tokens import lookup_token
from ballot.web import roll_words
from ballot.web.ballot_page import ballot_page
from ballot.web.committee_render import committee_language, committee_page, gettext_of
from ballot.web.deps import Db, acting
from ballot.web.pages import Form
from ballot.web.refusals import status_for
from ballot.web.roll_pages import C, election_title

#: Members shown for one search at a desk (check-in, envelopes).
PER_SEARCH = 20


async def desk_search(db: Db, election_id: str, q: str) -> RollPage | None:
    """The members a desk's search finds (None: no search, or too long a text)."""
    if not q.strip() or len(q) > MAX_SEARCH:
        return None
    return await search_roll(db, election_id, RollQuery(q.strip(), per_page=PER_SEARCH))


class PollingPages(Controller):
    path = C

    async def _desk(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        election_id: str,
        q: str = "",
        status: int = 200,
        **extra: Any,
    ) -> Response[str]:
        election = await get_election(db, election_id)
        found = await desk_search(db, election_id, q)
        return committee_page(
            request,
            "polling_place",
            status=status,
            election=election,
            title=await election_title(db, election, committee_language(request)),
            words=roll_words,
            languages=LANGUAGES,
            q=q,
            found=found,
            **extra,
        )

    @get("/polling-place", opt={"access": "admin"})
    async def desk(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        q: FromQuery[str] = "",
        opened: FromQuery[str] = "",
    ) -> Response[str]:
        """The check-in screen: search the roll, check a member in."""
        _ = gettext_of(request)
        notice = _("The polling place is open on this device.") if opened else None
        error = _("The search text is too long.") if len(q) > MAX_SEARCH else None
        return await self._desk(
            request, db, election_id, q, 400 if error else 200, notice=notice, error=error
        )

    @post("/polling-place/open", opt={"access": "admin"})
    async def open_place(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> Response[Any]:
        election = await get_election(db, election_id, lock=True)
        try:
            await polling.open_polling_place(db, acting(request), election)
        except Refused as exc:
            await db.rollback()
            _ = gettext_of(request)
            return await self._desk(
                request,
                db,
                election_id,
                status=status_for(exc.grounds),
                error=roll_words.refusal_text(exc, _),
            )
        await db.commit()
        return Redirect(
            f"/committee/elections/{election_id}/polling-place?opened=1", status_code=303
        )

    @post("/polling-place/check-in", opt={"access": "admin"})
    async def check_in(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db, data: Form
    ) -> Response[Any]:
        """Check a member in and show their ballot on this device (never cached)."""
        _ = gettext_of(request)
        member_id = data.get("member_id", "")
        election = await get_election(db, election_id, lock=True)
        try:
            issued = await polling.check_in(db, acting(request), election, member_id)
        except Refused as exc:
            await db.rollback()
            return await self._desk(
                request,
                db,
                election_id,
                data.get("q", ""),
                status=status_for(exc.grounds),
                error=roll_words.refusal_text(exc, _),
            )
        await db.commit()
        found = await lookup_token(db, issued.token)
        device = {
            "token": issued.token,
            "return_url": f"/committee/elections/{election_id}/polling-place",
        }
        language = data.get("language", "")
        return ballot_page(found, language if language in LANGUAGES else None, None, device=device)


POLLING_CONTROLLERS = [PollingPages]
