"""The committee's definition editor and the ballot preview.

* ``/committee/elections/new`` and ``/committee/elections/ID/definition``: one form for
  the whole definition (see :mod:`ballot.web.definition_form`), the same rules as the
  JSON API (``parse_definition``), every value kept and each problem shown at its field.
* ``/committee/elections/ID/preview?lang=ko``: the ballot exactly as a member sees it,
  rendered by the voter pages' own templates in one language (add ``phone=1`` for a
  320 px column).  It shows the draft as it is now, or the frozen manifest after.
"""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from ballot.election.local_time import zone_names
from ballot.election.refusal import Refused
from ballot.i18n import LANGUAGES, normalise, translations
from ballot.service import elections
from ballot.service.acting import get_election
from ballot.store.definition import DefinitionError, parse_definition
from ballot.store.elections import (
    build_manifest,
    current_definition,
    questions_of,
    texts_by_language,
)
from ballot.store.models import Election
from ballot.store.roll_search import roll_units
from ballot.web.ballot_page import (
    identity_context,
    manifest_languages,
    question_views,
    render,
    text_in,
)
from ballot.web.committee_render import committee_language
from ballot.web.definition_form import (
    DefinitionForm,
    apply_action,
    from_definition,
    from_post,
    kinds,
    to_definition,
)
from ballot.web.definition_problems import describe, problems_by_field
from ballot.web.deps import Db, acting
from ballot.web.pages import Form, page
from ballot.web.refusals import status_for


def _editor(
    request: Request[Any, Any, Any],
    form: DefinitionForm,
    *,
    election: Election | None = None,
    title: str = "",
    problems: list[str] | None = None,
    status: int = 200,
    units: list[str] | None = None,
    **extra: Any,
) -> Template:
    by_field = problems_by_field(problems or [], form)
    languages = manifest_languages({"languages": extra.pop("languages", None)})
    return page(
        "definition",
        request,
        status=status,
        form=form,
        election=election,
        title=title,
        kinds=kinds(),
        zones=zone_names(),
        errors=by_field,
        problems=problems or [],
        summary=[describe(p, form) for p in problems or []],
        preview_languages=languages,
        language_names=LANGUAGES,
        units=units or [],
        unit_warnings=unit_warnings(form, units, committee_language(request)),
        **extra,
    )


def unit_warnings(form: DefinitionForm, units: list[str] | None, language: str) -> list[str]:
    """A race of a unit nobody on the roll is in: no ballot would carry it.  A warning,
    not a problem (the roll may still change until voting opens); None: no roll yet."""
    if not units:
        return []
    _ = translations(language).gettext
    return [
        _(
            "Question %(n)s: nobody on the roll is in the unit %(unit)s, so no ballot will "
            "carry this race."
        )
        % {"n": n, "unit": q.unit.strip()}
        for n, q in enumerate(form.questions, start=1)
        if q.unit.strip() and q.unit.strip() not in units
    ]


async def _stored_form(db: Db, election: Election) -> DefinitionForm:
    manifest = await build_manifest(db, election)
    refs = {
        "questions": [
            (f"question:{q.id}", [f"option:{o.id}" for o in options])
            for q, options in await questions_of(db, election.id)
        ]
    }
    return from_definition(current_definition(election, manifest), refs)


def _title(texts: dict[str, dict[str, str]], election: Election) -> str:
    return texts.get("en", {}).get("title", election.id)


class DefinitionPages(Controller):
    path = "/committee/elections"

    @get("/new", opt={"access": "admin"})
    async def new_election(self, request: Request[Any, Any, Any]) -> Template:
        return _editor(request, DefinitionForm(), fresh=True)

    @post("/new", opt={"access": "admin"})
    async def create_election(
        self, request: Request[Any, Any, Any], db: Db, data: Form
    ) -> Response[Any]:
        form = from_post(data)
        action = data.get("action", "save")
        if action != "save":
            apply_action(form, action)
            return _editor(request, form, edited=True)
        definition, problems = to_definition(form, {})
        try:
            parsed = parse_definition(definition)
        except DefinitionError as exc:
            problems += exc.problems
        if problems:
            return _editor(request, form, problems=problems, status=400)
        election = await elections.create_election(db, acting(request), parsed)
        await db.commit()
        return Redirect(path=f"/committee/elections/{election.id}", status_code=303)

    @get("/{election_id:str}/definition", opt={"access": "admin"})
    async def definition(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> Template:
        election = await get_election(db, election_id)
        texts = await texts_by_language(db, election_id)
        form = await _stored_form(db, election)
        return _editor(
            request,
            form,
            election=election,
            title=_title(texts, election),
            languages=list(texts),
            units=await roll_units(db, election_id),
        )

    @post("/{election_id:str}/definition", opt={"access": "admin"})
    async def redefine(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db, data: Form
    ) -> Response[Any]:
        """Edit the form (a move, an added question) or save the whole definition."""
        election = await get_election(db, election_id, lock=True)
        texts = await texts_by_language(db, election_id)
        title = _title(texts, election)
        extra: dict[str, Any] = {
            "languages": list(texts),
            "units": await roll_units(db, election_id),
        }
        form = from_post(data)
        action = data.get("action", "save")
        if action != "save":
            apply_action(form, action)
            return _editor(request, form, election=election, title=title, edited=True, **extra)
        definition, problems = to_definition(form, texts)
        try:
            parsed = parse_definition(definition)
        except DefinitionError as exc:
            problems += exc.problems
        if problems:
            return _editor(
                request,
                form,
                election=election,
                title=title,
                problems=problems,
                status=400,
                **extra,
            )
        try:
            await elections.redefine(db, acting(request), election, parsed)
        except Refused as exc:
            await db.rollback()
            election = await get_election(db, election_id)
            return _editor(
                request,
                form,
                election=election,
                title=title,
                error=exc.message,
                status=status_for(exc.grounds),
                **extra,
            )
        await db.commit()
        form = await _stored_form(db, election)
        return _editor(request, form, election=election, title=title, saved=True, **extra)

    @get("/{election_id:str}/preview", opt={"access": "staff"})
    async def preview(
        self,
        election_id: FromPath[str],
        db: Db,
        lang: FromQuery[str | None] = None,
        phone: FromQuery[str | None] = None,
    ) -> Response[str]:
        """The ballot as members see it, in one language; nothing here can be cast."""
        election = await get_election(db, election_id)
        manifest = (
            json.loads(election.manifest)
            if election.manifest
            else await build_manifest(db, election)
        )
        offered = manifest_languages(manifest)
        language = normalise(lang) if lang else "en"
        if language not in offered:
            language = "en"
        return render(
            language,
            "vote/preview.html",
            # As on the member's page: the committee's footer, times in the election's zone,
            # when voting closes and what the secrecy box says (revoting or not).
            **identity_context(manifest, language),
            closes_at=election.closes_at,
            revoting=bool(election.revoting),
            title=text_in(manifest.get("title"), language),
            instructions=text_in(manifest.get("instructions"), language),
            # Every race, each unit's too, in canonical order (None: no member).
            questions=question_views(manifest, language, None),
            languages=offered,
            language_name=LANGUAGES[language],
            election_id=election.id,
            phone=bool(phone),
        )


DEFINITION_CONTROLLERS = [DefinitionPages]
