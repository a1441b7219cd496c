"""Every setting of an election, gathered for the committee's settings block.

The election page shows all of them (``committee/_settings.html``), in words, so a
change of rule or trustees cannot go unseen; the words themselves live in the template,
where they are translated.
"""

from __future__ import annotations

import json
from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ballot.election.languages import LANGUAGES
from ballot.i18n import format_moment
from ballot.store.definition import parse_fraction
from ballot.store.elections import APPROVAL_KINDS, COMMITTEE_KEY, questions_of, texts_by_language
from ballot.store.models import Election


def _share(text: str | None) -> dict[str, str] | None:
    """'2/3' as the committee typed it and as a percentage ('66.7%')."""
    if not text:
        return None
    try:
        value = parse_fraction(text)
    except (ValueError, ZeroDivisionError):
        return {"fraction": text, "percent": ""}
    percent = f"{float(value * 100):.1f}".rstrip("0").rstrip(".")
    shown = text if "/" in text else str(Fraction(value).limit_denominator(1000))
    return {"fraction": shown, "percent": f"{percent}%"}


def local_time(moment: datetime | None, zone: str, language: str = "en") -> str:
    """A stored UTC moment as the committee reads it, in the election's zone with its name
    ('Fri, May 1, 2026, 9:00 AM PDT'): the one format of :func:`ballot.i18n.format_moment`."""
    if moment is None:
        return ""
    return format_moment(moment, language, zone)


async def settings_of(
    session: AsyncSession, election: Election, language: str = "en"
) -> dict[str, Any]:
    """What the settings block shows: the definition's every setting, ready to word (times
    in the reader's ``language``)."""
    texts = await texts_by_language(session, election.id)
    names = {lang: t[COMMITTEE_KEY] for lang, t in texts.items() if COMMITTEE_KEY in t}
    contact = json.loads(election.committee_contact or "{}")
    zone = election.time_zone
    questions = await questions_of(session, election.id)
    races = [
        {
            "n": q.position,
            "ranked": bool(q.ranked),
            "method": q.method,
            "seats": q.seats or 1,
            "unit": q.unit,
            "order": q.candidate_order or "fixed",
        }
        for q, _options in questions
        if q.ranked or q.unit is not None or q.candidate_order not in (None, "fixed")
    ]
    return {
        "kind": election.kind,
        # Approving one option (yes/no), or electing candidates with a runoff (see
        # ballot.store.elections.outcome_rule).
        "approval": election.kind in APPROVAL_KINDS
        or (election.kind == "custom" and len(questions) == 1),
        "questions": len(questions),
        # Races (issue 15): each question that is ranked, of one unit, or reordered; an
        # election with a race, or with seats (several marks), is decided by plurality in
        # protocol v2 (ballot.store.elections.outcome_rule).
        "races": races,
        "plurality": election.board_key is not None
        and any(q.ranked or q.unit is not None or q.max_selections > 1 for q, _o in questions),
        "rule": election.rule,
        "threshold": _share(election.supermajority if election.rule == "supermajority" else None),
        "quorum": _share(election.quorum),
        "allow_blank": election.allow_blank,
        "objection_days": election.objection_days,
        "languages": [LANGUAGES[c] for c in LANGUAGES if c in texts],
        "trustees_n": election.trustees_n,
        "trustees_k": election.trustees_k,
        "subtotal_min_size": election.subtotal_min_size,
        "revoting": election.revoting,
        "time_zone": zone,
        "opens": local_time(election.opens_at, zone, language),
        "closes": local_time(election.closes_at, zone, language),
        "committee": (
            {
                "names": [(LANGUAGES[c], c, names[c]) for c in LANGUAGES if c in names],
                "email": contact.get("email", ""),
                "phone": contact.get("phone", ""),
                "reply_to": contact.get("reply_to", ""),
            }
            if names
            else None
        ),
    }
