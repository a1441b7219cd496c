"""What the committee prints: members' voting letters and the notice of election.

Letters: the committee picks a selection (members it cannot reach by e-mail or text
message, every member who has not voted, or one member), sees how many links that
reissues, confirms, and downloads one PDF with a letter per member.  The fresh links
exist only in that response (never on the server's disk, never in a log); if the
download is lost, printing again reissues again.  The notice of election is a poster per
language, generated from the definition.
"""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from ballot.election.identity import committee_of, time_zone_of
from ballot.election.refusal import Refused
from ballot.i18n import format_moment, normalise, translations
from ballot.service import letters, notice
from ballot.service.acting import get_election
from ballot.service.mailing import alias_lookup_link
from ballot.store.casting import election_context
from ballot.store.models import Election
from ballot.store.roll_search import roll_units
from ballot.web import roll_words
from ballot.web.ballot_page import manifest_languages, text_in
from ballot.web.committee_render import committee_language, committee_page, gettext_of
from ballot.web.committee_results import election_definition
from ballot.web.deps import Db, acting
from ballot.web.letters_pdf import Letter, letters_pdf
from ballot.web.notice_pdf import NoticeText, SampleQuestion, notice_pdf
from ballot.web.pages import Form
from ballot.web.refusals import status_for
from ballot.web.roll_pages import confirmed, election_title

C = "/committee/elections/{election_id:str}"


def _(message: str) -> str:
    """Marks a message for extraction; translated when shown (see :func:`refusal_words`)."""
    return message


#: The letters page's words for each refusal of :mod:`ballot.service.letters`.
LETTER_REFUSALS = {
    "wrong_state": _("Letters can be printed only while voting is open."),
    "bad_selection": _("Choose whose letters to print from the list."),
    "no_member": _("Give the member number of the member to print a letter for."),
    "selection_too_long": _("The member number or the unit is too long."),
    "link_unchanged": _("This member has already voted: no letter is needed."),
    "no_letters": _(
        "No member in this selection needs a letter: they have voted, or their link was withdrawn."
    ),
    "too_many_letters": _("Too many letters at once: print them one unit at a time."),
}


def refusal_words(exc: Refused, gettext: Any) -> str:
    """The refusal in the page's language."""
    known = LETTER_REFUSALS.get(exc.code)
    return str(gettext(known)) if known else roll_words.refusal_text(exc, gettext)


def _fingerprint(election: Election) -> str | None:
    try:
        return election_context(election).fingerprint_grouped
    except Refused:
        return None


def _pdf(body: bytes, filename: str) -> Response[bytes]:
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def member_letters(
    request: Request[Any, Any, Any], election: Election, printed: list[letters.PrintedLink]
) -> list[Letter]:
    """Each member's letter in their own language (the election's first if it lacks it)."""
    settings = request.app.state.settings
    definition = election_definition(election)
    offered = manifest_languages(definition)
    committee, zone = committee_of(definition), time_zone_of(definition)
    fingerprint = _fingerprint(election)
    out = []
    for member in printed:
        language = normalise(member.language)
        language = language if language in offered else offered[0]
        out.append(
            Letter(
                language=language,
                name=member.name,
                member_id=member.member_id,
                link=letters.printed_link(settings, member.token),
                address=letters.typing_address(settings),
                code=member.token,
                title=text_in(definition.get("title"), language) or election.id,
                committee=committee.name_in(language),
                committee_email=committee.email,
                committee_phone=committee.phone,
                closes=format_moment(election.closes_at, language, zone),
                alias=member.alias,
                alias_lookup=alias_lookup_link(settings, election.id),
                fingerprint=fingerprint,
            )
        )
    return out


class PrintPages(Controller):
    path = C

    async def _letters_page(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        election: Election,
        status: int = 200,
        **extra: Any,
    ) -> Response[str]:
        counts: dict[str, int] = {}
        units: list[str] = []
        if election.state == "open":
            for kind in ("unreachable", "all"):
                counts[kind] = await letters.count_letters(db, election, letters.selection_of(kind))
            units = await roll_units(db, election.id)
        return committee_page(
            request,
            "letters",
            status=status,
            election=election,
            title=await election_title(db, election, committee_language(request)),
            counts=counts,
            units=units,
            max_letters=letters.MAX_LETTERS,
            **extra,
        )

    @get("/letters", opt={"access": "admin"})
    async def letters_form(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        selection: FromQuery[str] = "",
        member: FromQuery[str] = "",
        unit: FromQuery[str] = "",
    ) -> Response[str]:
        """The selection form; with a selection, how many links printing it reissues."""
        _ = gettext_of(request)
        election = await get_election(db, election_id)
        form = {"selection": selection, "member": member, "unit": unit}
        if election.state != "open":
            return await self._letters_page(
                request,
                db,
                election,
                status=409,
                error=_("Letters can be printed only while voting is open."),
                form=form,
            )
        if not selection:
            return await self._letters_page(request, db, election, form=form)
        try:
            chosen = letters.selection_of(selection, member, unit)
            count = await letters.preview_letters(db, election, chosen)
        except Refused as exc:
            return await self._letters_page(
                request,
                db,
                election,
                status=status_for(exc.grounds),
                error=refusal_words(exc, _),
                form=form,
            )
        return await self._letters_page(
            request, db, election, preview=count, chosen=chosen, form=form
        )

    @post("/letters", opt={"access": "admin"}, status_code=200)
    async def print_letters(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db, data: Form
    ) -> Response[Any]:
        """Reissue the selection's links and answer with their letters (one PDF).

        The letters are made first, with tokens drawn for them, while nothing is locked
        (a few hundred pages take seconds, and casting must not wait); then the election
        is locked and the reissues written, or refused if the selection changed meanwhile.
        The document is made in a worker thread so that other requests go on.
        """
        _ = gettext_of(request)
        election = await get_election(db, election_id)
        form = {k: data.get(k, "") for k in ("selection", "member", "unit")}
        try:
            chosen = letters.selection_of(form["selection"], form["member"], form["unit"])
            if not confirmed(data):
                count = await letters.preview_letters(db, election, chosen)
                return await self._letters_page(
                    request,
                    db,
                    election,
                    status=400,
                    error=_("Nothing was done: tick the box to confirm first."),
                    preview=count,
                    chosen=chosen,
                    form=form,
                )
            plan = await letters.plan_letters(db, election, chosen)
            words = member_letters(request, election, plan)
            await db.rollback()  # hold no transaction while the document is made
            body = await to_thread.run_sync(letters_pdf, words)
            election = await get_election(db, election_id, lock=True)
            await letters.issue_letters(db, acting(request), election, chosen, plan)
        except Refused as exc:
            await db.rollback()
            election = await get_election(db, election_id)
            return await self._letters_page(
                request,
                db,
                election,
                status=status_for(exc.grounds),
                error=refusal_words(exc, _),
                form=form,
            )
        await db.commit()  # only once the letters exist: a failed document reissues nothing
        name = f"letters-{election.id}-{form['member'] or form['selection']}.pdf"
        return _pdf(body, name)

    @get("/notice.pdf", opt={"access": "staff"}, cache_control=None)
    async def notice(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        lang: FromQuery[str | None] = None,
    ) -> Response[bytes]:
        """The notice of election in one of the election's languages (the first by default)."""
        election = await get_election(db, election_id)
        definition = election_definition(election)
        offered = manifest_languages(definition)
        asked = normalise(lang) if lang else offered[0]
        if asked not in offered or (lang and asked != lang.lower()):
            message = translations("en").gettext(
                "This election has no texts in that language: choose one of %(languages)s."
            ) % {"languages": ", ".join(offered)}
            return Response(message.encode(), status_code=400, media_type=MediaType.TEXT)
        try:
            facts = await notice.notice_facts(db, election)
        except Refused as exc:
            return Response(
                exc.message.encode(), status_code=status_for(exc.grounds), media_type=MediaType.TEXT
            )
        words = notice_text(request, election, definition, asked, facts)
        body = await to_thread.run_sync(notice_pdf, words)
        return _pdf(body, f"notice-{election.id}-{asked}.pdf")


def notice_text(
    request: Request[Any, Any, Any],
    election: Election,
    definition: dict[str, Any],
    language: str,
    facts: notice.NoticeFacts,
) -> NoticeText:
    """The poster's words in ``language``, from the frozen definition and the roll."""
    committee, zone = committee_of(definition), time_zone_of(definition)
    questions = [
        SampleQuestion(
            text=text_in(q.get("text"), language),
            min=int(q.get("min", 1)),
            max=int(q.get("max", 1)),
            options=[text_in(o.get("text"), language) for o in q.get("options") or []],
        )
        for q in definition.get("questions") or []
        if isinstance(q, dict)
    ]
    return NoticeText(
        language=language,
        title=text_in(definition.get("title"), language) or election.id,
        instructions=text_in(definition.get("instructions"), language),
        committee=committee.name_in(language),
        committee_email=committee.email,
        committee_phone=committee.phone,
        opens=format_moment(election.opens_at or election.opened_at, language, zone),
        closes=format_moment(election.closes_at, language, zone),
        eligible=facts.eligible,
        units=facts.units,
        channels=facts.channels,
        board_link=f"{request.app.state.settings.base_url}/board/{election.id}",
        fingerprint=_fingerprint(election),
        questions=questions,
    )
