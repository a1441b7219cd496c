"""Committee pages for setting an election up: its texts in every language, its trustees
and the key ceremony.

These were API-only; a committee must be able to run a real election from a browser.
Every act goes through the same service functions the JSON API calls, so the rules,
board entries and activity-log entries are identical whichever door is used.
Forms are plain HTML with the CSRF token, like the other committee pages.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy import select

from ballot.election.refusal import Refused
from ballot.i18n import LANGUAGES
from ballot.service import ceremony, elections, lifecycle
from ballot.service.acting import get_election, invalid
from ballot.store.definition import REFERENCE_LANGUAGE, DefinitionError
from ballot.store.elections import (
    COMMITTEE_KEY,
    missing_translations,
    questions_of,
    roll_languages,
    texts_by_language,
)
from ballot.store.models import Account, Election, ElectionTrustee
from ballot.web.ceremony_summary import ceremony_summary
from ballot.web.committee_render import gettext_of
from ballot.web.deps import Db, account_of, acting
from ballot.web.pages import Form, page
from ballot.web.refusals import status_for
from ballot.web.text_labels import text_labels

#: Prefix of the form fields that carry one text each: ``text:title``, ``text:option:7``.
FIELD = "text:"
#: The ceremony form field a refusal is about, by its code (the rest go to the top).
FIELD_OF_REFUSAL = {
    "not_whole_numbers": "trustees_k",
    "seat_beyond_n": "trustees_n",
    "definition_invalid": "trustees_k",
    "not_a_trustee": "seat_email",
    "bad_position": "seat_position",
    "seat_taken": "seat_position",
    "passphrase_short": "passphrase_1",
    "not_confirmed": "understood",
}
#: Shortest passphrase the form accepts for a sealed trustee key file.
MIN_PASSPHRASE = 8


@dataclass(frozen=True)
class TextRow:
    """One election text as the form shows it: the English reference next to this language."""

    key: str
    label: str
    reference: str
    current: str


async def _text_rows(
    db: Db, election_id: str, language: str, labels: dict[str, str]
) -> list[TextRow]:
    """Every English text, in ballot order, with this language's version (if any)."""
    texts = await texts_by_language(db, election_id)
    english = texts.get(REFERENCE_LANGUAGE, {})
    mine = texts.get(language, {})
    keys: list[str] = ["title", "instructions", COMMITTEE_KEY]
    for question, options in await questions_of(db, election_id):
        keys.append(f"question:{question.id}")
        keys.extend(f"option:{o.id}" for o in options)
    return [TextRow(k, labels.get(k, k), english[k], mine.get(k, "")) for k in keys if k in english]


async def _language_status(
    db: Db, election_id: str, labels: dict[str, str]
) -> list[dict[str, Any]]:
    """Each supported language: does the roll need it, and which texts does it lack."""
    texts = await texts_by_language(db, election_id)
    required = set(texts.get(REFERENCE_LANGUAGE, {}))
    on_roll = await roll_languages(db, election_id)
    out = []
    for code, name in LANGUAGES.items():
        lacking = sorted(required - set(texts.get(code, {})), key=lambda k: labels.get(k, k))
        out.append(
            {
                "code": code,
                "name": name,
                "on_roll": code in on_roll,
                "missing": [labels.get(k, k) for k in lacking],
            }
        )
    return out


def _frozen_reason(election: Election, gettext: Any) -> str | None:
    """Why the texts can no longer change, or None while they still can."""
    if election.state == "draft":
        return None
    _ = gettext
    return str(
        _(
            "The texts were frozen into the manifest when the key ceremony started, and the "
            "trustees' keys are bound to them. To change a text, move the election back to "
            "draft (possible before voting opens) and run the key ceremony again."
        )
    )


def _whole_number(value: str | None) -> int | None:
    try:
        return int((value or "").strip())
    except ValueError:
        return None


class SetupPages(Controller):
    path = "/committee/elections/{election_id:str}"

    # --- texts in every language ---------------------------------------------------

    async def _translations_page(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        election_id: str,
        language: str | None,
        status: int = 200,
        **extra: Any,
    ) -> Template:
        election = await get_election(db, election_id)
        gettext = gettext_of(request)
        labels = await text_labels(db, election_id, gettext)
        languages = await _language_status(db, election_id, labels)
        if language not in LANGUAGES or language == REFERENCE_LANGUAGE:
            needing = [x["code"] for x in languages if x["missing"] and x["on_roll"]]
            language = needing[0] if needing else "es"
        rows = await _text_rows(db, election_id, language, labels)
        submitted = extra.pop("submitted", None)
        if submitted is not None:
            rows = [TextRow(r.key, r.label, r.reference, submitted.get(r.key, "")) for r in rows]
        texts = await texts_by_language(db, election_id)
        signed = await elections.sign_offs(db, election_id)
        for row in languages:
            row["sign_offs"] = signed.get(row["code"])
        return page(
            "setup_translations",
            request,
            status=status,
            election=election,
            title=texts.get(REFERENCE_LANGUAGE, {}).get("title", election.id),
            languages=languages,
            language=language,
            language_name=LANGUAGES[language],
            language_names=LANGUAGES,
            preview_languages=[c for c in LANGUAGES if c in texts],
            rows=rows,
            field=FIELD,
            frozen=_frozen_reason(election, gettext),
            time_zone=election.time_zone,
            missing=await missing_translations(db, election_id),
            **extra,
        )

    @get("/translations", opt={"access": "staff"})
    async def translations(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        lang: FromQuery[str | None] = None,
    ) -> Template:
        return await self._translations_page(request, db, election_id, lang)

    @post("/translations/{language:str}", opt={"access": "admin"})
    async def save_translations(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        language: FromPath[str],
        db: Db,
        data: Form,
    ) -> Response[Any]:
        """Save one language's texts: every filled-in field, or (on any problem) none."""
        election = await get_election(db, election_id, lock=True)
        submitted = {k[len(FIELD) :]: v for k, v in data.items() if k.startswith(FIELD)}
        texts = {k: v.strip() for k, v in submitted.items() if v.strip()}
        try:
            if language not in LANGUAGES or language == REFERENCE_LANGUAGE:
                raise invalid(
                    f"choose one of {', '.join(c for c in LANGUAGES if c != REFERENCE_LANGUAGE)}"
                    " (English is the reference text, set when the election is created)",
                    "unknown_language",
                )
            await elections.set_texts(db, acting(request), election, language, texts)
        except Refused as exc:
            await db.rollback()
            if isinstance(exc, DefinitionError):
                message, status, problems = "Nothing was saved.", 400, exc.problems
            else:
                message, status, problems = exc.message, status_for(exc.grounds), []
            return await self._translations_page(
                request,
                db,
                election_id,
                language,
                status=status,
                error=message,
                problems=problems,
                submitted=submitted,
            )
        await db.commit()
        return await self._translations_page(
            request,
            db,
            election_id,
            language,
            notice=f"Saved {len(texts)} texts in {LANGUAGES[language]} ({language}).",
        )

    @post("/translations/{language:str}/sign-off", opt={"access": "staff"})
    async def sign_off(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        language: FromPath[str],
        db: Db,
    ) -> Response[Any]:
        """The signed-in member signs off one language's texts as they are now."""
        election = await get_election(db, election_id, lock=True)
        try:
            await elections.sign_off_translations(
                db, acting(request), election, language, account_of(request)
            )
        except Refused as exc:
            await db.rollback()
            return await self._translations_page(
                request, db, election_id, None, status=status_for(exc.grounds), error=exc.message
            )
        await db.commit()
        return await self._translations_page(
            request,
            db,
            election_id,
            language,
            notice=f"You signed off the texts in {LANGUAGES[language]} ({language}).",
        )

    # --- trustees and the key ceremony ---------------------------------------------

    async def _ceremony_page(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        election_id: str,
        status: int = 200,
        **extra: Any,
    ) -> Template:
        election = await get_election(db, election_id)
        seats = (
            await db.execute(
                select(ElectionTrustee.position, Account.email, ElectionTrustee.submitted_at)
                .join(Account, Account.id == ElectionTrustee.account_id)
                .where(ElectionTrustee.election_id == election_id)
                .order_by(ElectionTrustee.position)
            )
        ).all()
        trustee_accounts = list(
            await db.scalars(
                select(Account.email).where(Account.role == "trustee").order_by(Account.email)
            )
        )
        texts = await texts_by_language(db, election_id)
        return page(
            "setup_ceremony",
            request,
            status=status,
            election=election,
            title=texts.get(REFERENCE_LANGUAGE, {}).get("title", election.id),
            seats=seats,
            trustee_accounts=trustee_accounts,
            missing=await missing_translations(db, election_id),
            min_passphrase=MIN_PASSPHRASE,
            summary=await ceremony_summary(db, election),
            time_zone=election.time_zone,
            questions=len(await questions_of(db, election_id)),
            text_languages=len(texts),
            **{"errors": {}, "submitted": {}, **extra},
        )

    async def _refuse(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        election_id: str,
        exc: Refused,
        submitted: dict[str, str] | None = None,
    ) -> Template:
        """The ceremony page again with the refusal at its field and the values as typed."""
        await db.rollback()
        return await self._ceremony_page(
            request,
            db,
            election_id,
            status=status_for(exc.grounds),
            error=exc.message,
            errors={FIELD_OF_REFUSAL.get(exc.code, ""): [exc.message]},
            submitted=submitted or {},
        )

    @get("/ceremony", opt={"access": "admin"})
    async def ceremony(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> Template:
        return await self._ceremony_page(request, db, election_id)

    @post("/ceremony/trustees", opt={"access": "admin"})
    async def set_trustee_numbers(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db, data: Form
    ) -> Response[Any]:
        """Change n and k by rewriting the draft definition (what PUT /api/elections/ID does)."""
        election = await get_election(db, election_id, lock=True)
        n, k = _whole_number(data.get("trustees_n")), _whole_number(data.get("trustees_k"))
        try:
            await elections.set_trustee_numbers(db, acting(request), election, n, k)
        except Refused as exc:
            return await self._refuse(request, db, election_id, exc, dict(data))
        await db.commit()
        return await self._ceremony_page(
            request, db, election_id, notice=f"Trustees: {k} of {n} needed to decrypt the tally."
        )

    @post("/ceremony/seats", opt={"access": "admin"})
    async def name_trustee(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db, data: Form
    ) -> Response[Any]:
        """Name a trustee account for a position (as the API does)."""
        election = await get_election(db, election_id, lock=True)
        email = data.get("email", "").strip()
        position = _whole_number(data.get("position"))
        try:
            await ceremony.name_trustee(db, acting(request), election, email, position)
        except Refused as exc:
            return await self._refuse(request, db, election_id, exc, dict(data))
        await db.commit()
        return Redirect(path=f"/committee/elections/{election_id}/ceremony", status_code=303)

    @post("/ceremony/local", opt={"access": "admin"})
    async def local_ceremony(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db, data: Form
    ) -> Response[Any]:
        """Run the local key ceremony and move the election to ready (with the set-up
        checklist on: not until the trustees' rehearsals), all or nothing.

        From draft this first starts the ceremony (freezing the texts into the manifest),
        exactly as the state button would.  The sealed key files are handed back in this
        one response only: the server keeps neither them nor the passphrases.
        """
        election = await get_election(db, election_id, lock=True)
        passphrases = [data.get(f"passphrase_{i}", "") for i in range(1, election.trustees_n + 1)]
        ctx = acting(request)
        try:
            if data.get("understood") != "yes":
                raise invalid(
                    "nothing was done: tick the box to confirm that you understand", "not_confirmed"
                )
            short = [i for i, p in enumerate(passphrases, start=1) if len(p) < MIN_PASSPHRASE]
            if short:
                raise invalid(
                    f"give each trustee a passphrase of at least {MIN_PASSPHRASE} characters "
                    f"(too short or missing for trustee {', '.join(map(str, short))})",
                    "passphrase_short",
                )
            if election.state == "draft":
                await lifecycle.transition(db, ctx, election, "key_ceremony")
            sealed = await ceremony.run_local_ceremony(db, ctx, election, passphrases)
            if not ctx.settings.setup_checklist:
                await lifecycle.transition(db, ctx, election, "ready")
        except Refused as exc:
            return await self._refuse(request, db, election_id, exc)
        await db.commit()
        key_files = [
            {
                "position": i,
                "name": f"{election_id}-trustee-{i}.key",
                "href": "data:application/octet-stream;base64," + base64.b64encode(blob).decode(),
            }
            for i, blob in enumerate(sealed, start=1)
        ]
        response = await self._ceremony_page(
            request,
            db,
            election_id,
            notice=f"The key ceremony is recorded; the election is {election.state}.",
            key_files=key_files,
        )
        response.headers["Cache-Control"] = "no-store"
        return response


SETUP_CONTROLLERS = [SetupPages]
