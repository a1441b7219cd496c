"""Committee pages: server-rendered, plain HTML forms (every POST carries the CSRF token).

English-first, but every string goes through gettext so the committee UI can be
translated like the voter pages.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery, MultipartBody, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import select

from ballot.election.languages import LANGUAGES
from ballot.election.refusal import Grounds, Refused
from ballot.i18n import translations
from ballot.service import challenges, count, lifecycle, voters
from ballot.service.acting import get_election, invalid, require_roll_editable
from ballot.service.mailing import delivery
from ballot.store.activity import activity_entries
from ballot.store.casting import election_context
from ballot.store.elections import missing_translations, texts_by_language
from ballot.store.models import Election
from ballot.store.observers import sees_names
from ballot.store.roll import roll_size
from ballot.store.tokens import token_counts
from ballot.store.turnout import turnout
from ballot.web.account_api import LOGIN_MESSAGES, session_cookie, sign_in
from ballot.web.committee_render import (
    committee_language,
    gettext_of,
    language_cookie,
    shared_context,
)
from ballot.web.committee_results import results_context
from ballot.web.confirm_pages import log_confirmed, refusal_page, refuse_unconfirmed
from ballot.web.confirm_steps import OFFERED, STEP_OF_TARGET, STEPS
from ballot.web.deps import Db, acting, reader_of
from ballot.web.observer.words import state_words
from ballot.web.observer_kinds import activity_for
from ballot.web.refusals import status_for
from ballot.web.settings_view import settings_of
from ballot.web.voter import i18n_context

Form = URLEncodedBody[dict[str, str]]
NEXT_STATES = {
    "draft": ["key_ceremony"],
    "key_ceremony": ["ready", "draft"],
    "ready": ["open"],
    "open": ["closed"],
    # Tallied and certified are reached through the tally and certification forms.
    "closed": [],
    "mixing": [],
    "decrypting_mixed": [],
    "tallied": [],
    "certified": [],
}


def _fingerprint(election: Election) -> str | None:
    """The election's fingerprint grouped for reading, once its key ceremony is recorded."""
    if not election.joint_public_key:
        return None
    try:
        return election_context(election).fingerprint_grouped
    except Refused:
        return None


def page(name: str, request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
    """A committee page in the reader's committee language (``committee_render``: ``?ui=``,
    remembered in a cookie, as every committee page does); an election's state comes in
    words (``state_name``), translated."""
    language = committee_language(request)
    election = context.get("election")
    if isinstance(election, Election):
        context.setdefault(
            "state_name", state_words(election.state, translations(language).gettext)
        )
    return Template(
        template_name=f"committee/{name}.html",
        context={
            **i18n_context(language),
            **shared_context(request, language),
            "account": reader_of(request),
            **context,
        },
        status_code=status,
        cookies=language_cookie(request, language),
    )


class LoginPages(Controller):
    @get("/", opt={"access": "public"})
    async def home(self) -> Redirect:
        return Redirect(path="/committee", status_code=303)

    @get("/login", opt={"access": "public"})
    async def login_form(self, request: Request[Any, Any, Any]) -> Template:
        return page("login", request)

    @post("/login", opt={"access": "public"})
    async def login(self, request: Request[Any, Any, Any], db: Db, data: Form) -> Response[Any]:
        session_id, reason = await sign_in(
            request, db, data.get("email", ""), data.get("password", ""), data.get("totp") or None
        )
        if session_id is None:
            message, status = LOGIN_MESSAGES[reason]
            return page("login", request, status=status, error=message, email=data.get("email", ""))
        return Redirect(
            path="/committee", status_code=303, cookies=[session_cookie(request, session_id)]
        )


class CommitteePages(Controller):
    path = "/committee"

    @get("/", opt={"access": "staff"})
    async def dashboard(self, request: Request[Any, Any, Any], db: Db) -> Template:
        elections = list(await db.scalars(select(Election).order_by(Election.created_at.desc())))
        titles = {
            e.id: (await texts_by_language(db, e.id)).get("en", {}).get("title", e.id)
            for e in elections
        }
        return page("dashboard", request, elections=elections, titles=titles)

    async def _election_page(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        election_id: FromPath[str],
        status: int = 200,
        **extra: Any,
    ) -> Template:
        from ballot.web.checklist_pages import checklist_context

        election = await get_election(db, election_id)
        texts = await texts_by_language(db, election_id)
        account = reader_of(request)
        return page(
            "election",
            request,
            status=status,
            election=election,
            title=texts.get("en", {}).get("title", election.id),
            languages=[code for code in LANGUAGES if code in texts],
            language_names=LANGUAGES,
            settings=await settings_of(db, election, committee_language(request)),
            next_states=NEXT_STATES.get(election.state, []),
            irreversible=OFFERED.get(election.state, ()),
            missing=await missing_translations(db, election_id),
            roll_size=await roll_size(db, election_id),
            tokens=await token_counts(db, election_id),
            mail=await delivery(db, election_id),
            turnout=await turnout(db, election_id, names=False),
            sees_names=await sees_names(db, account, election_id),
            count=(
                await challenges.challenges_view(db, election)
                if election.state
                in ("closed", "mixing", "decrypting_mixed", "tallied", "certified")
                else None
            ),
            fingerprint=_fingerprint(election),
            **(
                await checklist_context(
                    db, election, acting(request).now, committee_language(request)
                )
            ),
            **(await results_context(db, election, committee_language(request))),
            **{"errors": {}, "submitted_for": "", "submitted": {}, **extra},
        )

    async def _count_act(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        election_id: str,
        act: Any,
        notice: str,
        form: tuple[str, dict[str, str]] = ("", {}),
    ) -> Response[Any]:
        """Run one act of the count on the locked election; show the page either way.

        ``form`` names the form that was sent and its values: on a refusal they are shown
        again in that form, with the message at the field it is about.
        """
        election = await get_election(db, election_id, lock=True)
        try:
            outcome = await act(election)
        except Refused as exc:
            await db.rollback()
            return await self._refused(request, db, election_id, exc, *form)
        await db.commit()
        return await self._election_page(
            request, db, election_id, count_notice=notice, count_outcome=outcome
        )

    async def _refused(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        election_id: str,
        exc: Refused,
        form: str,
        values: dict[str, str],
    ) -> Template:
        """The election page after a refused act: the message at the top and, when it is
        about one field of the form sent, at that field; the form keeps what was typed."""
        field = {
            ("certify", "reason_needed"): "certify-reason",
            ("state", "reason_needed"): "withdraw-reason",
        }.get((form, exc.code))
        if form.startswith("challenge:"):
            which = form.split(":", 1)[1]
            field = {
                "reason_needed": f"reason-{which}",
                "bad_decision": f"decision-{which}",
                "not_understood": f"understood-{which}",
            }.get(exc.code)
        return await self._election_page(
            request,
            db,
            election_id,
            status=status_for(exc.grounds),
            error=exc.message,
            errors={field: [exc.message]} if field else {},
            submitted_for=form,
            submitted=values,
        )

    @post("/elections/{election_id:str}/tally", opt={"access": "admin"})
    async def take_tally(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db, data: Form
    ) -> Response[Any]:
        """Take the next round's tally, once confirmed on its page (``confirm/tally``)."""
        step = STEPS["tally"]
        election = await get_election(db, election_id, lock=True)
        refused, check = await refuse_unconfirmed(request, db, election, step, dict(data))
        if refused is not None:
            await db.rollback()
            return refused

        async def act(election: Election) -> Any:
            taken = await count.take_tally(db, acting(request), election)
            await log_confirmed(request, db, election, step, check)
            return taken

        return await self._count_act(request, db, election_id, act, "tally_taken")

    @post("/elections/{election_id:str}/challenges/{challenge_id:str}", opt={"access": "admin"})
    async def decide_challenge(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        challenge_id: FromPath[str],
        db: Db,
        data: Form,
    ) -> Response[Any]:
        async def act(election: Election) -> Any:
            decided = await challenges.decide_challenge(
                db,
                acting(request),
                election,
                challenge_id,
                data.get("decision", ""),
                data.get("reason", ""),
            )
            # A decision is final and public: it needs the ticked box, checked after the
            # decision and reason so those problems are shown first; the refusal rolls back.
            if data.get("understood") != "yes":
                raise Refused(
                    gettext_of(request)(
                        "Nothing was done: tick the box to confirm that the decision is final."
                    ),
                    code="not_understood",
                    grounds=Grounds.INVALID,
                )
            return decided

        form = (f"challenge:{challenge_id}", dict(data))
        return await self._count_act(request, db, election_id, act, "challenge_decided", form)

    @post("/elections/{election_id:str}/certify", opt={"access": "admin"})
    async def certify(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db, data: Form
    ) -> Response[Any]:
        """Certify the result, once confirmed on its page (``confirm/certify``)."""
        step = STEPS["certify"]
        election = await get_election(db, election_id, lock=True)
        refused, check = await refuse_unconfirmed(request, db, election, step, dict(data))
        if refused is not None:
            await db.rollback()
            return refused

        try:
            seq = await challenges.certify(db, acting(request), election, data.get("reason", ""))
            await log_confirmed(request, db, election, step, check)
        except Refused as exc:
            await db.rollback()
            return await refusal_page(request, db, election_id, step, exc, dict(data))
        await db.commit()
        return await self._election_page(
            request, db, election_id, count_notice="certified", count_outcome=seq
        )

    @get("/elections/{election_id:str}", opt={"access": "staff"})
    async def election(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> Template:
        return await self._election_page(request, db, election_id)

    @post("/elections/{election_id:str}/state", opt={"access": "admin"})
    async def change_state(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db, data: Form
    ) -> Response[Any]:
        """Move the election to another state; an irreversible move (every one but marking
        it ready) only once confirmed on its page (``confirm/<step>``)."""
        election = await get_election(db, election_id, lock=True)
        step = STEP_OF_TARGET.get(data.get("target", ""))
        if step is not None:
            refused, check = await refuse_unconfirmed(request, db, election, step, dict(data))
            if refused is not None:
                await db.rollback()
                return refused
        try:
            await lifecycle.transition(
                db,
                acting(request),
                election,
                data.get("target", ""),
                reason=data.get("reason", ""),
            )
            if step is not None:
                await log_confirmed(request, db, election, step, check)
        except Refused as exc:
            await db.rollback()
            if step is None:
                return await self._refused(request, db, election_id, exc, "state", dict(data))
            return await refusal_page(request, db, election_id, step, exc, dict(data))
        await db.commit()
        return Redirect(path=f"/committee/elections/{election_id}", status_code=303)

    @post("/elections/{election_id:str}/roll", opt={"access": "admin"})
    async def upload_roll(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        data: MultipartBody[dict[str, Any]],
    ) -> Response[Any]:
        election = await get_election(db, election_id, lock=True)
        upload = data.get("roll")
        try:
            require_roll_editable(election)
            if not isinstance(upload, UploadFile):
                raise invalid("choose a CSV file to upload", "no_file")
            text = (await upload.read()).decode("utf-8-sig")
        except UnicodeDecodeError:
            return await self._election_page(
                request, db, election_id, status=400, error="The roll must be a UTF-8 CSV file."
            )
        except Refused as exc:
            return await self._election_page(
                request, db, election_id, status=status_for(exc.grounds), error=exc.message
            )
        result = await voters.import_roll(db, acting(request), election, text)
        if not result.ok:
            await db.rollback()
            return await self._election_page(
                request,
                db,
                election_id,
                status=422,
                problems=result.problems,
                error="The roll was not imported. Fix these rows and upload the whole file again.",
            )
        await db.commit()
        return await self._election_page(
            request, db, election_id, notice=f"Imported {result.imported} members."
        )

    @post("/elections/{election_id:str}/reminders", opt={"access": "admin"})
    async def reminders(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> Response[Any]:
        election = await get_election(db, election_id)
        try:
            queued = await voters.send_reminders(db, acting(request), election)
        except Refused as exc:
            await db.rollback()
            return await self._election_page(
                request, db, election_id, status=status_for(exc.grounds), error=exc.message
            )
        await db.commit()
        notice = translations(committee_language(request)).ngettext(
            "%(num)s reminder is queued.", "%(num)s reminders are queued.", queued
        ) % {"num": queued}
        return await self._election_page(request, db, election_id, notice=notice)

    @get("/audit", opt={"access": "staff"})
    async def activity_log(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        election: FromQuery[str | None] = None,
        seq: FromQuery[int | None] = None,
        hash: FromQuery[str | None] = None,
    ) -> Template:
        """The activity log with its chain checked now (observers compare heads they kept)."""
        from ballot.web.observer.activity_log import detail_text
        from ballot.web.observer_pages import audit_view

        rows = await activity_entries(db)
        view = audit_view(rows, election or None, seq, hash)
        shown = await activity_for(db, reader_of(request), view["entries"])
        view["entries"] = shown
        view["details"] = {r.seq: detail_text(r) for r in shown}
        return page("audit", request, **view)


class SignOut(Controller):
    @post("/logout", opt={"access": "signed_in", "temporary_password_ok": True})
    async def logout(self, request: Request[Any, Any, Any], db: Db) -> Response[Any]:
        from ballot.store.accounts import close_session
        from ballot.web.auth import session_id_of

        await close_session(db, session_id_of(request))
        await db.commit()
        return Redirect(
            path="/login", status_code=303, cookies=[session_cookie(request, "", max_age=0)]
        )


PAGE_CONTROLLERS = [LoginPages, CommitteePages, SignOut]
