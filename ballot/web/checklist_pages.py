"""Committee pages of the set-up checklist: the test message, the invitation preview, the
notice of election and the trustees' rehearsals.

The checklist itself is a section at the top of the election page
(``committee/_checklist.html``, context from :func:`checklist_context`); each step links
here or to the page where it is done.  Acts go through :mod:`ballot.service.setup`, as the
JSON API's do.  Forms keep every value after a refusal, with the message at its field.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from ballot.election.languages import LANGUAGES
from ballot.election.refusal import Refused
from ballot.i18n import translations
from ballot.service import setup
from ballot.service.acting import get_election
from ballot.store.elections import election_title, texts_by_language
from ballot.store.models import Election
from ballot.store.setup_tables import ElectionNotice
from ballot.web.checklist_api import steps_view
from ballot.web.committee_render import committee_language, committee_page, gettext_of
from ballot.web.deps import Db, acting
from ballot.web.pages import Form
from ballot.web.refusals import status_for

C = "/committee/elections/{election_id:str}"
#: The form field a refusal is about, by its code.
FIELD_OF = {
    "bad_address": "test-address",
    "unknown_language": "test-language",
    "bad_date": "notice-date",
    "date_in_future": "notice-date",
    "place_needed": "notice-place",
    "place_too_long": "notice-place",
}


async def checklist_context(db: Db, election: Election, now: Any, language: str) -> dict[str, Any]:
    """What the election page's checklist section shows (before voting opens)."""
    if election.state not in setup.BEFORE_OPENING:
        return {"checklist": None}
    steps = await setup.setup_steps(db, election, now)
    return {
        "checklist": steps_view(steps, election.id, translations(language).gettext),
        "checklist_done": sum(1 for s in steps if s.done),
    }


class ChecklistPages(Controller):
    path = C

    async def _title(self, request: Request[Any, Any, Any], db: Db, election_id: str) -> str:
        return await election_title(db, election_id, committee_language(request))

    # --- the test message ---------------------------------------------------------

    async def _test_page(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        election_id: str,
        status: int = 200,
        **extra: Any,
    ) -> Response[str]:
        election = await get_election(db, election_id)
        return committee_page(
            request,
            "test_message",
            status=status,
            election=election,
            title=await self._title(request, db, election_id),
            sent=await setup.latest_test_message(db, election_id),
            language_names=LANGUAGES,
            editable=election.state in setup.BEFORE_OPENING,
            **{"errors": {}, "submitted": {}, **extra},
        )

    async def _refused(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        election_id: str,
        exc: Refused,
        render: Any,
        submitted: dict[str, str] | None = None,
    ) -> Response[str]:
        await db.rollback()
        field = FIELD_OF.get(exc.code, "")
        page: Response[str] = await render(
            request,
            db,
            election_id,
            status=status_for(exc.grounds),
            error=exc.message,
            errors={field: [exc.message]} if field else {},
            submitted=submitted or {},
        )
        return page

    @get("/test-message", opt={"access": "admin"})
    async def test_message(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> Response[str]:
        return await self._test_page(request, db, election_id)

    @post("/test-message", opt={"access": "admin"})
    async def send_test(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db, data: Form
    ) -> Response[str]:
        election = await get_election(db, election_id, lock=True)
        address, language = data.get("address", ""), data.get("language", "")
        try:
            await setup.send_test_message(db, acting(request), election, address, language)
        except Refused as exc:
            return await self._refused(request, db, election_id, exc, self._test_page, dict(data))
        await db.commit()
        _ = gettext_of(request)
        return await self._test_page(
            request,
            db,
            election_id,
            notice=_("The test message is queued. When it arrives, come back and confirm it here."),
        )

    @post("/test-message/arrived", opt={"access": "admin"})
    async def arrived(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> Response[str]:
        election = await get_election(db, election_id, lock=True)
        try:
            await setup.confirm_test_message(db, acting(request), election)
        except Refused as exc:
            return await self._refused(request, db, election_id, exc, self._test_page)
        await db.commit()
        _ = gettext_of(request)
        return await self._test_page(
            request, db, election_id, notice=_("Recorded: the test message arrived.")
        )

    # --- the invitation preview -----------------------------------------------------

    @get("/invitation-preview", opt={"access": "staff"})
    async def preview(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        lang: FromQuery[str | None] = None,
    ) -> Response[str]:
        """The invitation exactly as a member reading ``lang`` receives it (example link), and
        the invitation and reminder text messages, with their parts, in every language."""
        election = await get_election(db, election_id)
        language = lang if lang in LANGUAGES else "en"
        texts = await texts_by_language(db, election_id)
        settings = request.app.state.settings
        message = setup.invitation_preview(settings, election, texts, language)
        offered = [c for c in LANGUAGES if c in texts] or ["en"]
        return committee_page(
            request,
            "invitation_preview",
            election=election,
            title=await self._title(request, db, election_id),
            member_language=language,
            language_names=LANGUAGES,
            languages=offered,
            message=message,
            texts=setup.text_previews(settings, election, texts, offered),
        )

    # --- the notice of election -----------------------------------------------------

    async def _notice_page(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        election_id: str,
        status: int = 200,
        **extra: Any,
    ) -> Response[str]:
        election = await get_election(db, election_id)
        notice: ElectionNotice | None = await setup.latest_notice(db, election_id)
        return committee_page(
            request,
            "notice",
            status=status,
            election=election,
            title=await self._title(request, db, election_id),
            notice_row=notice,
            editable=election.state in setup.BEFORE_OPENING,
            **{"errors": {}, "submitted": {}, **extra},
        )

    @get("/notice", opt={"access": "admin"})
    async def notice(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> Response[str]:
        return await self._notice_page(request, db, election_id)

    @post("/notice", opt={"access": "admin"})
    async def record_notice(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db, data: Form
    ) -> Response[str]:
        election = await get_election(db, election_id, lock=True)
        try:
            await setup.record_notice(
                db, acting(request), election, data.get("posted_on", ""), data.get("place", "")
            )
        except Refused as exc:
            return await self._refused(request, db, election_id, exc, self._notice_page, dict(data))
        await db.commit()
        _ = gettext_of(request)
        return await self._notice_page(
            request, db, election_id, notice=_("Recorded: the notice of election is posted.")
        )

    # --- the trustees' rehearsals ---------------------------------------------------

    @get("/rehearsals", opt={"access": "staff"})
    async def rehearsals(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> Response[str]:
        election = await get_election(db, election_id)
        facts = await setup.setup_facts(db, election, acting(request).now)
        trustees = [
            {
                "position": p,
                "email": facts.seats.get(p, ""),
                "proved_at": facts.rehearsed.get(p),
            }
            for p in range(1, election.trustees_n + 1)
        ]
        return committee_page(
            request,
            "rehearsals",
            election=election,
            title=await self._title(request, db, election_id),
            trustees=trustees,
            ceremony_done=facts.ceremony_done,
            base_url=request.app.state.settings.base_url,
        )


CHECKLIST_CONTROLLERS = [ChecklistPages]
