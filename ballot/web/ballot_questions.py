"""The questions of a ballot as a page shows them (``vote/_questions.html``).

A member's page shows only the races on their ballot (every race without a unit, and
their own unit's), each race's candidates in its display order (PROTOCOL 5.1: fixed,
alphabetical in the page's language, or rotated by the member's alias).  Every option
keeps its canonical index, which is what the browser encrypts, so the order is only
presentation.  The committee's preview shows every race in canonical order, each
per-unit race labelled with its unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ballot.election.races import display_order, has_races
from ballot.i18n import translations
from ballot.web.rank_words import rank_label, rank_name

__all__ = ["MemberBallot", "question_views", "rank_strings", "text_in"]


@dataclass(frozen=True)
class MemberBallot:
    """Whose ballot a page shows: the member's unit on the roll ("" for none) and alias
    (the rotation's seed; "" before aliases exist)."""

    unit: str
    alias: str


def text_in(texts: Any, language: str) -> str:
    """One text of the manifest in ``language`` (English, the reference, if missing)."""
    if isinstance(texts, dict):
        return str(texts.get(language) or texts.get("en") or "")
    return str(texts or "")


def _choose_hint(language: str, lo: int, hi: int, race: bool) -> str:
    _ = translations(language).gettext
    if lo == hi == 1:
        return _("Choose one")
    if lo == 0 and hi == 1:
        return _("Choose one, or none: you may leave this question blank.")
    if lo == 0:
        return (
            (_("Choose up to %(max)s") % {"max": hi})
            + ". "
            + _("You may leave this question blank.")
        )
    if race:  # k seats: the member chooses up to k
        up_to = (_("Choose up to %(max)s") % {"max": hi}) + "."
        return up_to if lo == 1 else up_to + " " + _("Choose at least %(min)s.") % {"min": lo}
    if lo == hi:
        return _("Choose %(n)s") % {"n": hi}
    return _("Choose between %(min)s and %(max)s") % {"min": lo, "max": hi}


def _ranked_hint(language: str, q: dict[str, Any], first_needed: bool) -> str:
    catalogue = translations(language)
    ranks, seats = int(q["max"]), int(q.get("seats") or 1)
    parts = [
        catalogue.ngettext(
            "Rank up to %(n)s candidate, in your order of preference.",
            "Rank up to %(n)s candidates, in your order of preference.",
            ranks,
        )
        % {"n": ranks}
    ]
    if q.get("method") == "scottish_stv":
        parts.append(
            catalogue.ngettext(
                "%(n)s seat will be filled. If your choice cannot win, or is elected with "
                "more votes than needed, your vote (or part of it) moves to your next choice.",
                "%(n)s seats will be filled. If your choice cannot win, or is elected with "
                "more votes than needed, your vote (or part of it) moves to your next choice.",
                seats,
            )
            % {"n": seats}
        )
    else:
        parts.append(
            catalogue.gettext(
                "If your first choice cannot win, your vote goes to your next choice."
            )
        )
    if first_needed:
        parts.append(
            catalogue.gettext("Fill in at least your %(rank)s.") % {"rank": rank_name(language, 1)}
        )
    else:
        parts.append(catalogue.gettext("You may leave this question blank."))
    return " ".join(parts)


def question_views(
    definition: dict[str, Any], language: str, member: MemberBallot | None = None
) -> list[dict[str, Any]]:
    """The questions ``member``'s page shows, in definition order; ``member`` None: the
    committee's preview (every race, canonical order, per-unit races labelled)."""
    _ = translations(language).gettext
    questions = definition.get("questions") or []
    races = has_races(questions)
    allow_blank = bool(definition.get("allow_blank"))
    out = []
    for qi, q in enumerate(questions):
        unit = q.get("unit")
        if member is not None and unit is not None and unit != member.unit:
            continue  # another unit's race: not on this member's ballot
        options = q.get("options") or []
        order = (
            list(range(len(options)))
            if member is None
            else display_order(q, language, member.alias)
        )
        lo, hi = int(q["min"]), int(q["max"])
        ranked = q.get("ranked") is True
        view: dict[str, Any] = {
            "index": qi,
            "id": q["id"],
            "text": text_in(q.get("text"), language),
            "min": lo,
            "max": hi,
            "multiple": hi > 1,
            "ranked": ranked,
            "unit_label": (
                _("Only members of %(unit)s vote in this race.") % {"unit": unit}
                if member is None and unit is not None
                else ""
            ),
            "options": [
                {
                    "index": oi,
                    "id": options[oi]["id"],
                    "text": text_in(options[oi].get("text"), language),
                }
                for oi in order
            ],
        }
        if ranked:
            # A ranked race's ranks may all stay empty (min 0, 8.1); without blank ballots
            # the page asks for a first choice.
            view["min"] = 0 if allow_blank else 1
            view["hint"] = _ranked_hint(language, q, first_needed=not allow_blank)
            view["none_label"] = _("No further preference")
            view["ranks"] = [
                {
                    "index": r,
                    "label": rank_label(language, r + 1),
                    "name": rank_name(language, r + 1),
                }
                for r in range(hi)
            ]
        else:
            view["hint"] = _choose_hint(language, lo, hi, races or "seats" in q)
        out.append(view)
    return out


def rank_strings(language: str) -> dict[str, str]:
    """What vote.js says about a ranking, in the page's language (``%(...)s`` are rank
    names it fills in)."""
    _ = translations(language).gettext
    return {
        "rank_first": _("Fill in at least your %(rank)s."),
        "rank_gap": _("Fill in your %(earlier)s before your %(later)s."),
        "ranks_moved": _("Your later choices moved up one place."),
        "rank_repeat": _("You chose %(candidate)s twice. Keep only one."),
    }
