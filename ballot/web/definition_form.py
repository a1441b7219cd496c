"""The definition editor's form: its fields to a definition and back, and its edits.

One form holds a whole definition: the settings, the committee's identity, the time
zone and window, and any number of questions each with its own options.  Moving an
option or a question, adding or removing one, are buttons of the same form (it works
without JavaScript); they change the form, not the election, and the page says so
until the committee saves.  Every value typed is shown again after any error, next to
the field it concerns.

Texts in other languages ride along: each question and option carries the key of the
text it came from (``ref``), so after a move or an edit of the English the Spanish,
Korean ... texts follow the item they translate (their sign-offs lapse; see
:mod:`ballot.store.signoffs`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ballot.election.local_time import DEFAULT_ZONE, LocalTimeError, local_input_value, local_to_utc
from ballot.store.definition import OBJECTION_DAYS, REFERENCE_LANGUAGE
from ballot.store.elections import COMMITTEE_KEY, KINDS

#: The settings' field names (one input each), in the form's order.
SETTINGS = (
    "title",
    "instructions",
    "kind",
    "rule",
    "supermajority",
    "quorum",
    "objection_days",
    "allow_blank",
    "subtotals",
    "subtotal_min_size",
    "revoting",
    "trustees_n",
    "trustees_k",
    "time_zone",
    "opens_at",
    "closes_at",
    "committee_name",
    "committee_email",
    "committee_phone",
    "committee_reply_to",
)
#: What a new election's form starts with (2 of 3 trustees: one lost key does not
#: stop the count, one trustee alone cannot decrypt).
DEFAULTS = {
    "kind": "ratification",
    "rule": "majority",
    "objection_days": str(OBJECTION_DAYS),
    "subtotal_min_size": "10",
    "trustees_n": "3",
    "trustees_k": "2",
    "time_zone": DEFAULT_ZONE,
}
#: A question's fields; the last five are its race fields (PROTOCOL 5.1).
_QUESTION = re.compile(r"^q(\d+)_(text|min|max|ref|ranked|method|seats|unit|order)$")
_OPTION = re.compile(r"^q(\d+)_o(\d+)(_ref)?$")


@dataclass
class OptionForm:
    text: str = ""
    ref: str = ""


@dataclass
class QuestionForm:
    """One question as typed.  Its race fields: ``ranked`` ("on": members rank the
    candidates, ``max`` of them at most), ``method`` and ``seats`` of a ranked race, the
    ``unit`` whose members alone vote in it, the candidates' ``order``."""

    text: str = ""
    min: str = "1"
    max: str = "1"
    ref: str = ""
    options: list[OptionForm] = field(default_factory=lambda: [OptionForm(), OptionForm()])
    ranked: str = ""
    method: str = "instant_runoff"
    seats: str = "1"
    unit: str = ""
    order: str = "fixed"

    @property
    def is_race(self) -> bool:
        """Whether any race field differs from a plain question's."""
        return bool(self.ranked or self.unit.strip() or self.order != "fixed")

    def race_keys(self) -> dict[str, Any]:
        """The race keys the definition gets: only those the question has.  A ranked race
        has min 0 (its ranks may stay empty) and ``max`` ranks; instant runoff fills one
        seat, so an empty seats field is 1 there."""
        out: dict[str, Any] = {}
        if self.ranked == "on":
            seats = self.seats.strip() or ("1" if self.method == "instant_runoff" else "")
            out.update(ranked=True, min=0, method=self.method, seats=_whole(seats))
        if self.unit.strip():
            out["unit"] = self.unit.strip()
        if self.order != "fixed":
            out["order"] = self.order
        return out


@dataclass
class DefinitionForm:
    """What the form shows: every setting as typed, and the questions in their order."""

    values: dict[str, str] = field(default_factory=lambda: dict(DEFAULTS))
    questions: list[QuestionForm] = field(default_factory=lambda: [QuestionForm()])

    def value(self, name: str) -> str:
        return self.values.get(name, "")


def _whole(text: str) -> Any:
    """A whole number if the text is one, else the text (the rules then name the problem)."""
    t = text.strip()
    return int(t) if t.isdigit() else t


def from_post(data: Mapping[str, str]) -> DefinitionForm:
    """The form as submitted (fields it lacks take the new form's defaults)."""
    values = {name: data.get(name, DEFAULTS.get(name, "")) for name in SETTINGS}
    for box in ("allow_blank", "subtotals", "revoting"):
        values[box] = "on" if data.get(box) == "on" else ""
    questions: dict[int, QuestionForm] = {}
    options: dict[tuple[int, int], OptionForm] = {}
    for name, value in data.items():
        if m := _QUESTION.match(name):
            q = questions.setdefault(int(m[1]), QuestionForm(options=[]))
            setattr(q, m[2], ("on" if value == "on" else "") if m[2] == "ranked" else value)
        elif m := _OPTION.match(name):
            questions.setdefault(int(m[1]), QuestionForm(options=[]))
            o = options.setdefault((int(m[1]), int(m[2])), OptionForm())
            if m[3]:
                o.ref = value
            else:
                o.text = value
    for (qi, _oi), option in sorted(options.items()):
        questions[qi].options.append(option)
    return DefinitionForm(values, [questions[i] for i in sorted(questions)] or [QuestionForm()])


def from_definition(data: Mapping[str, Any], refs: Mapping[str, Any]) -> DefinitionForm:
    """The form for a stored definition (:func:`ballot.store.elections.current_definition`).

    ``refs`` holds the text keys of its questions and options:
    ``{"questions": [(question key, [option key, ...]), ...]}``.
    """
    zone = str(data.get("time_zone") or DEFAULT_ZONE)
    committee = data.get("committee") or {}
    subtotals = data.get("subtotals") or {}

    def en(texts: Any) -> str:
        return str((texts or {}).get(REFERENCE_LANGUAGE, "")) if texts else ""

    def moment(value: Any) -> str:
        return local_input_value(datetime.fromisoformat(value), zone) if value else ""

    values = {
        "title": en(data.get("title")),
        "instructions": en(data.get("instructions")),
        "kind": str(data.get("kind", "")),
        "rule": str(data.get("rule", "majority")),
        "supermajority": str(data.get("supermajority") or ""),
        "quorum": str(data.get("quorum") or ""),
        "objection_days": str(data.get("objection_days", OBJECTION_DAYS)),
        "allow_blank": "on" if data.get("allow_blank") else "",
        "subtotals": "on" if subtotals else "",
        "subtotal_min_size": str(subtotals.get("min_size", 10)),
        "revoting": "on" if data.get("revoting") is True else "",
        "trustees_n": str(data["trustees"]["n"]),
        "trustees_k": str(data["trustees"]["k"]),
        "time_zone": zone,
        "opens_at": moment(data.get("opens_at")),
        "closes_at": moment(data.get("closes_at")),
        "committee_name": en(committee.get("name")),
        "committee_email": str(committee.get("email", "")),
        "committee_phone": str(committee.get("phone", "")),
        "committee_reply_to": str(committee.get("reply_to", "")),
    }
    questions = []
    for q, (qref, orefs) in zip(data["questions"], refs["questions"], strict=True):
        options = [OptionForm(en(o), r) for o, r in zip(q["options"], orefs, strict=True)]
        ranked = q.get("ranked") is True
        questions.append(
            QuestionForm(
                en(q["text"]),
                str(q["min"]),
                str(q["max"]),
                qref,
                options,
                ranked="on" if ranked else "",
                method=str(q.get("method") or "instant_runoff"),
                seats=str(q.get("seats") or 1),
                unit=str(q.get("unit") or ""),
                order=str(q.get("order") or "fixed"),
            )
        )
    return DefinitionForm(values, questions)


def apply_action(form: DefinitionForm, action: str) -> bool:
    """Apply an editing button ('add_question', 'move_option:1:2:up', ...) to the form.

    Positions are 1-based as the page shows them.  Returns False for an action that
    names nothing in the form (a stale page): the form is then left as it was.
    """
    verb, *args = action.split(":")
    try:
        nums = [int(a) for a in args if a.isdigit()]
        direction = args[-1] if args and args[-1] in ("up", "down") else ""
        if verb == "add_question":
            form.questions.append(QuestionForm())
            return True
        q = form.questions[nums[0] - 1] if nums and nums[0] >= 1 else None
        if q is None:
            return False
        if verb == "remove_question" and len(form.questions) > 1:
            form.questions.remove(q)
        elif verb == "move_question" and direction:
            _move(form.questions, nums[0] - 1, direction)
        elif verb == "add_option":
            q.options.append(OptionForm())
        elif verb == "remove_option" and len(nums) == 2 and 1 <= nums[1] <= len(q.options):
            del q.options[nums[1] - 1]
        elif verb == "move_option" and len(nums) == 2 and direction:
            _move(q.options, nums[1] - 1, direction)
        else:
            return False
    except IndexError:
        return False
    return True


def _move(items: list[Any], index: int, direction: str) -> None:
    other = index - 1 if direction == "up" else index + 1
    if not (0 <= index < len(items) and 0 <= other < len(items)):
        raise IndexError(index)
    items[index], items[other] = items[other], items[index]


def to_definition(
    form: DefinitionForm, texts: Mapping[str, Mapping[str, str]]
) -> tuple[dict[str, Any], list[str]]:
    """The definition the form describes, and the problems only the form can have.

    ``texts`` are the election's texts by language (empty for a new election): each
    item keeps its other languages through its ``ref``.  Empty option fields are left
    out.  A time the zone cannot read is a problem here (and left out of the definition,
    so the definition's own rules still report everything else).
    """
    v = form.value
    problems: list[str] = []
    zone = v("time_zone") or DEFAULT_ZONE

    def others(key: str, english: str) -> dict[str, str]:
        found = {lang: t[key] for lang, t in texts.items() if key in t}
        return {**found, REFERENCE_LANGUAGE: english.strip()}

    def moment(name: str) -> str | None:
        if not v(name).strip():
            return None
        try:
            return local_to_utc(v(name), zone).isoformat()
        except LocalTimeError as exc:
            problems.append(f"{name}: {exc}")
            return None

    definition: dict[str, Any] = {
        "kind": v("kind"),
        "title": others("title", v("title")),
        "instructions": others("instructions", v("instructions")) if v("instructions") else None,
        "opens_at": moment("opens_at"),
        "closes_at": moment("closes_at"),
        "rule": v("rule"),
        "supermajority": (v("supermajority").strip() or None)
        if v("rule") == "supermajority"
        else None,
        "quorum": v("quorum").strip() or None,
        "objection_days": _whole(v("objection_days")),
        "allow_blank": v("allow_blank") == "on",
        "subtotals": {"by": "unit", "min_size": _whole(v("subtotal_min_size"))}
        if v("subtotals") == "on"
        else None,
        "revoting": v("revoting") == "on",
        "trustees": {"n": _whole(v("trustees_n")), "k": _whole(v("trustees_k"))},
        "time_zone": zone,
        "committee": {
            "name": others(COMMITTEE_KEY, v("committee_name")),
            "email": v("committee_email").strip(),
            "phone": v("committee_phone").strip(),
            "reply_to": v("committee_reply_to").strip(),
        },
        "questions": [
            {
                "text": others(q.ref, q.text),
                "min": _whole(q.min),
                "max": _whole(q.max),
                "options": [others(o.ref, o.text) for o in q.options if o.text.strip()],
                **q.race_keys(),
            }
            for q in form.questions
        ],
    }
    if not v("committee_name").strip():
        definition["committee"]["name"] = {}
    return definition, problems


def kinds() -> tuple[str, ...]:
    return KINDS
