"""The result page (``/board/<id>/result``, public): the tally sheet of every round,
provisional until certified.

The sheet is recomputed from the published counts with the published rule
(:func:`ballot.election.tally_sheet.build_tally_sheet`); if that disagrees with the outcome
the board states, the page says so instead of hiding it, because the record would then
fail verification.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.election.context import fingerprint_display
from ballot.election.identity import time_zone_of
from ballot.i18n import translations
from ballot.record.kinds import Kind
from ballot.store.board import entries_of_kind
from ballot.web.ballot_page import identity_context, render
from ballot.web.deps import Db
from ballot.web.observer.board_facts import BoardFacts, Posted, page_facts, round_of, rule_of
from ballot.web.observer.mix_progress import has_ranked, mix_progress
from ballot.web.observer.ranked_view import race_views
from ballot.web.observer.round_view import number_in, round_view, unit_min_size
from ballot.web.observer.words import page_title, revoting_words, rule_words, when
from ballot.web.results_view import trustee_progress

__all__ = ["ResultPageController", "decryption_progress", "result_context", "round_view"]


def result_context(facts: BoardFacts, language: str) -> dict[str, Any]:
    """Everything the result page shows, from the board alone."""
    final = facts.final
    rounds = [round_view(e, facts, language, final=e is final) for e in facts.results]
    certified = facts.certified
    mix = mix_progress(facts, language)
    decided = [
        {
            "challenge": str(d.payload.get("challenge", "")),
            "decision": d.payload.get("decision"),
            "seq": d.seq,
        }
        for d in facts.decisions
    ]
    if certified is not None:
        status = "certified"
    elif final is not None and mix is not None:
        status = "mixing"  # the ranked races wait for the mix-net (PROTOCOL 18)
    elif final is not None:
        status = "provisional"
    elif facts.results:
        status = "challenges"  # round 1 is determinative: the challenges must be decided
    elif facts.closed is not None:
        status = "counting"
    elif facts.opened:
        status = "open"
    else:
        status = "not_open"
    _ = translations(language).gettext
    closed = facts.closed.payload if facts.closed is not None else None
    return {
        "status": status,
        "rounds": rounds,
        "final": rounds[-1] if final is not None else None,
        "certified": (
            {
                "at": when(certified.at, language, time_zone_of(facts.definition)),
                "seq": certified.seq,
                "reason": str(certified.payload.get("reason", "")),
            }
            if certified is not None
            else None
        ),
        "stray_certification": facts.certification is not None and certified is None,
        "rule": (
            rule_words(rule_of(facts.definition), _)
            + revoting_words(facts.definition, _)
            + ranked_words(facts.definition, _)
            if facts.definition
            else []
        ),
        "races": race_views(facts, language) if final is not None else [],
        "mix": mix,
        "eligible": facts.eligible,
        "closed": (
            {
                "cast": number_in(closed.get("cast")),
                "challenged": number_in(closed.get("challenged")),
                "replaced": number_in(closed.get("replaced")),
            }
            if closed is not None
            else None
        ),
        "decisions": decided,
        "unit_min_size": unit_min_size(facts.definition or {}),
        "sustained": sum(1 for d in decided if d["decision"] == "sustained"),
        "overruled": sum(1 for d in decided if d["decision"] == "overruled"),
        "fingerprint": fingerprint_display(facts.fingerprint) if facts.fingerprint else None,
    }


def ranked_words(definition: Mapping[str, Any] | None, _: Any) -> list[str]:
    """How ranked races are counted, when the definition has any."""
    if not has_ranked(definition):
        return []
    return [
        _(
            "Ranked races are counted last: the trustees first shuffle their ballots so that "
            "no ranking can be linked to a member, then decrypt them, and the count goes "
            "round by round."
        )
    ]


async def decryption_progress(
    db: AsyncSession, election_id: str, definition: Mapping[str, Any] | None, language: str
) -> str | None:
    """ "1 of 2 trustees have decrypted", for a tally on the board still being decrypted."""
    trustees = (definition or {}).get("trustees")
    needed = trustees.get("k") if isinstance(trustees, Mapping) else None
    if not isinstance(needed, int) or isinstance(needed, bool) or needed < 1:
        return None
    rounds: set[int] = set()
    done: dict[int, set[object]] = {}
    for row in await entries_of_kind(db, election_id, (Kind.TALLY, Kind.PARTIAL, Kind.RESULT)):
        entry = Posted.from_row(row)
        number = round_of(entry)
        if entry.kind == Kind.TALLY:
            rounds.add(number)
        elif entry.kind == Kind.PARTIAL:
            done.setdefault(number, set()).add(entry.payload.get("trustee"))
        else:
            rounds.discard(number)
    if not rounds:
        return None
    pending = max(rounds)
    return trustee_progress(len(done.get(pending, ())), needed, language)


class ResultPageController(Controller):
    path = "/board/{election_id:str}"

    @get("/result", opt={"access": "public"}, cache_control=None)
    async def result(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        lang: FromQuery[str | None] = None,
    ) -> Response[str]:
        """The tally sheet of every round, provisional until certified."""
        facts, offered, language = await page_facts(request, db, election_id, lang)
        context = result_context(facts, language)
        progress = None
        if context["status"] in ("counting", "challenges"):
            progress = await decryption_progress(db, election_id, facts.definition, language)
        return render(
            language,
            "observer/result.html",
            progress=progress,
            **identity_context(facts.definition, language),
            languages=offered,
            election_id=election_id,
            title=page_title(facts.definition, language, election_id),
            **context,
        )
