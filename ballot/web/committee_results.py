"""The committee's view of a result, and the printable tally sheet (PDF).

The committee page shows each count exactly as the public result page does (the same
:func:`ballot.web.observer.result_page.round_view` over the same board entries), plus how
far the trustees' decryption has come.  The tally sheet is the same figures on paper, in
the committee's language, with lines for the committee and each side's observers to sign.
"""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, MediaType, Request, Response, get
from litestar.params import FromPath, FromQuery
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.election.identity import committee_of, time_zone_of
from ballot.i18n import LANGUAGES, normalise, translations
from ballot.service.acting import get_election
from ballot.store import count
from ballot.store.models import Election
from ballot.web.ballot_page import environment
from ballot.web.deps import Db
from ballot.web.observer.board_facts import board_facts
from ballot.web.observer.result_page import result_context
from ballot.web.observer.words import page_title
from ballot.web.results_view import trustee_progress
from ballot.web.tally_pdf import SheetText, tally_sheet_pdf


def election_definition(election: Election) -> dict[str, Any]:
    """The definition as frozen in the manifest; before the ceremony, what the election row
    holds of the keys shown around every page (time zone, committee)."""
    if election.manifest:
        value = json.loads(election.manifest)
        if isinstance(value, dict):
            return value
    return {
        key: getattr(election, key)
        for key in ("time_zone", "committee")
        if getattr(election, key, None) is not None
    }


async def results_context(
    db: AsyncSession, election: Election, language: str = "en"
) -> dict[str, Any]:
    """What the committee page shows of the count, and the election's time zone."""
    definition = election_definition(election)
    out: dict[str, Any] = {
        "time_zone": time_zone_of(definition),
        "results": None,
        "progress": None,
        "sheet_languages": sheet_languages(definition),
    }
    if election.state not in ("closed", "mixing", "decrypting_mixed", "tallied", "certified"):
        return out
    state = await count.count_state(db, election.id)
    pending = state.pending_round
    if pending is not None:
        trustees = definition.get("trustees") or {}
        needed = trustees.get("k", election.trustees_k) if isinstance(trustees, dict) else 1
        out["progress"] = trustee_progress(len(state.partials.get(pending, {})), needed, language)
    facts = await board_facts(db, election.id)
    if facts.results:
        out["results"] = result_context(facts, language)
    # Rendered in the language's own environment (new-style gettext), as the public result
    # page is: the committee page includes this block as it is.
    out["results_html"] = Markup(  # noqa: S704 (autoescaped Jinja output)
        environment(language)
        .get_template("committee/_results.html")
        .render(lang=language, election=election, language_names=LANGUAGES, **out)
    )
    return out


def sheet_languages(definition: dict[str, Any]) -> list[str]:
    """The languages a tally sheet can be printed in: the election's, first one first."""
    langs = definition.get("languages") or []
    return [code for code in langs if code in LANGUAGES] or ["en"]


class TallySheetController(Controller):
    path = "/committee/elections/{election_id:str}"

    @get("/tally-sheet.pdf", opt={"access": "staff"}, cache_control=None)
    async def tally_sheet(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        lang: FromQuery[str | None] = None,
    ) -> Response[bytes]:
        """The tally sheet of the latest count as a PDF, in the committee's language."""
        election = await get_election(db, election_id)
        definition = election_definition(election)
        offered = sheet_languages(definition)
        language = normalise(lang) if lang and normalise(lang) in offered else offered[0]
        facts = await board_facts(db, election.id)
        if not facts.results:
            _ = translations("en").gettext
            return Response(
                _("There is no result to print yet: the tally sheet follows the count.").encode(),
                status_code=409,
                media_type=MediaType.TEXT,
            )
        context = result_context(facts, language)
        pdf = tally_sheet_pdf(
            SheetText(
                language=language,
                title=page_title(facts.definition, language, election_id),
                election_id=election_id,
                time_zone=time_zone_of(facts.definition or definition),
                committee=committee_of(facts.definition or definition).name_in(language),
                context=context,
            )
        )
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="tally-sheet-{election_id}-{language}.pdf"',
                "Cache-Control": "no-store",
            },
        )
