"""Paper ballots in the browser: recording returned envelopes, and the two hand-count entries.

The envelope desk finds a member on the roll and records their envelope unopened: counted
later if the member had not voted (their link dies at once), set aside unopened if they
had.  The hand-count page takes each pool's figures from two different committee members;
the second member does not see the first's figures, and only figures both entered alike
go on the board.  A JSON twin of each act is in :mod:`ballot.web.paper_api`.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from ballot.election.languages import LANGUAGES
from ballot.election.refusal import Refused
from ballot.service import paper
from ballot.service.acting import get_election
from ballot.store import count
from ballot.store.models import Account
from ballot.store.paper import envelopes, pending_entries
from ballot.web import roll_words
from ballot.web.committee_render import committee_language, committee_page, gettext_of
from ballot.web.deps import Db, account_of, acting
from ballot.web.pages import Form
from ballot.web.polling_pages import desk_search
from ballot.web.refusals import status_for
from ballot.web.roll_pages import C, confirmed, election_title


def hand_count_from_form(data: dict[str, str], manifest: Any) -> list[dict[str, Any]] | None:
    """The form's figures as the service takes them; None if one is not a whole number."""
    out = []
    for spec in manifest.questions:
        counts = {}
        for option in spec.option_ids:
            text = data.get(f"c:{spec.id}:{option}", "").strip()
            if not text.isdigit() or len(text) > 9:
                return None
            counts[option] = int(text)
        blank = data.get(f"b:{spec.id}", "").strip()
        if not blank.isdigit() or len(blank) > 9:
            return None
        out.append({"id": spec.id, "counts": counts, "blank": int(blank)})
    return out


class PaperPages(Controller):
    path = C

    async def _envelope_desk(
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
        board = await envelopes(db, election_id)
        return committee_page(
            request,
            "envelopes",
            status=status,
            election=election,
            title=await election_title(db, election, committee_language(request)),
            words=roll_words,
            languages=LANGUAGES,
            q=q,
            found=found,
            received=len(board.received),
            set_aside=len(board.set_aside),
            **extra,
        )

    @get("/envelopes", opt={"access": "admin"})
    async def envelope_desk(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        q: FromQuery[str] = "",
    ) -> Response[str]:
        return await self._envelope_desk(request, db, election_id, q)

    @post("/envelopes", opt={"access": "admin"})
    async def record(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db, data: Form
    ) -> Response[str]:
        _ = gettext_of(request)
        q = data.get("q", "")
        election = await get_election(db, election_id, lock=True)
        if not confirmed(data):
            await db.rollback()
            error = _("Nothing was done: tick the box to confirm first.")
            return await self._envelope_desk(request, db, election_id, q, 400, error=error)
        try:
            what = await paper.record_envelope(
                db, acting(request), election, data.get("member_id", "")
            )
        except Refused as exc:
            await db.rollback()
            return await self._envelope_desk(
                request,
                db,
                election_id,
                q,
                status_for(exc.grounds),
                error=roll_words.refusal_text(exc, _),
            )
        await db.commit()
        notice = (
            _(
                "The envelope is recorded. The member's voting link no longer works; the envelope is opened at the count."
            )
            if what == "received"
            else _(
                "The member had already voted: the envelope is recorded as set aside, unopened, and will not be counted."
            )
        )
        return await self._envelope_desk(request, db, election_id, q, notice=notice, outcome=what)

    async def _hand_count(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        election_id: str,
        status: int = 200,
        **extra: Any,
    ) -> Response[str]:
        election = await get_election(db, election_id)
        language = committee_language(request)
        board = await envelopes(db, election_id)
        keys = count.election_context(election) if election.manifest and election.ceremony else None
        min_size = paper.min_size(election)
        pools = board.pools(min_size) if keys is not None else {}
        waiting = await pending_entries(db, election_id)
        first_by = {}
        for pool, entry in waiting.items():
            who = await db.get(Account, entry.account_id)
            first_by[pool] = (who.name if who is not None else "?", entry.entered_at)
        questions = []
        if keys is not None:
            definition = keys.definition
            for q in definition["questions"]:
                questions.append(
                    {
                        "id": q["id"],
                        "text": _text(q.get("text"), language),
                        "options": [
                            {"id": o["id"], "text": _text(o.get("text"), language)}
                            for o in q["options"]
                        ],
                    }
                )
        return committee_page(
            request,
            "hand_count",
            status=status,
            election=election,
            title=await election_title(db, election, language),
            words=roll_words,
            pools=pools,
            counted=board.counts,
            first_by=first_by,
            questions=questions,
            subtotals=min_size is not None,
            tallied=bool((await count.count_state(db, election_id)).tallies),
            **extra,
        )

    @get("/hand-count", opt={"access": "admin"})
    async def hand_count(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> Response[str]:
        return await self._hand_count(request, db, election_id)

    @post("/hand-count", opt={"access": "admin"})
    async def enter(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db, data: Form
    ) -> Response[str]:
        _ = gettext_of(request)
        election = await get_election(db, election_id, lock=True)
        pool = data.get("pool", "")
        figures = None
        if election.manifest and election.ceremony:
            figures = hand_count_from_form(data, count.election_context(election).manifest)
        if figures is None:
            await db.rollback()
            return await self._hand_count(
                request,
                db,
                election_id,
                400,
                pool_error=pool,
                form=data,
                error=_("Enter a whole number in every box (0 if none)."),
            )
        try:
            done = await paper.enter_hand_count(
                db, acting(request), election, account_of(request).id, pool, figures
            )
        except Refused as exc:
            await db.rollback()
            return await self._hand_count(
                request,
                db,
                election_id,
                status_for(exc.grounds),
                pool_error=pool,
                form=data,
                error=roll_words.refusal_text(exc, _),
            )
        await db.commit()
        if done.status == "differs":
            return await self._hand_count(
                request,
                db,
                election_id,
                409,
                pool_error=pool,
                differences=done.differences,
                error=_(
                    "The two entries differ, so nothing was posted. Count the envelopes again; then two committee members enter the count anew."
                ),
            )
        notice = (
            _("The hand count agrees with the first entry and is on the public board.")
            if done.status == "posted"
            else _("Your entry is saved. A second committee member must now enter the same count.")
        )
        return await self._hand_count(request, db, election_id, notice=notice)


def _text(texts: Any, language: str) -> str:
    if isinstance(texts, dict):
        return str(texts.get(language) or texts.get("en") or next(iter(texts.values()), ""))
    return str(texts or "")


PAPER_CONTROLLERS = [PaperPages]
