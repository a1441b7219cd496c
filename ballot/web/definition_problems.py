"""The definition editor's problems, each at the field it is about, worded for it.

The definition's rules (``parse_definition``, the races' rules) name a problem by its
place in the definition ("question 2 option 3: ...", "quorum: ..."); the form shows each
next to its field, with the field's label in the summary and no internal name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ballot.web.definition_form import SETTINGS, DefinitionForm

__all__ = ["LABELS", "Problem", "describe", "field_of", "problems_by_field"]


#: Where a problem of the definition's rules belongs: its opening words -> the field.
_PREFIXES = (
    ("closes_at must be after", "closes_at"),
    ("committee name", "committee_name"),
    ("committee email", "committee_email"),
    ("committee phone", "committee_phone"),
    ("committee reply_to", "committee_reply_to"),
    ("committee", "committee_name"),
    ("trustees", "trustees_k"),
    ("subtotals", "subtotal_min_size"),
    *((name, name) for name in SETTINGS),
)
_QUESTION_PROBLEM = re.compile(r"^question (\d+)(?: option (\d+))?: (.*)$")


def field_of(problem: str, form: DefinitionForm) -> str | None:
    """The form field a problem is about ('q2_o3', 'quorum'), or None for the whole form."""
    if m := _QUESTION_PROBLEM.match(problem):
        qi = int(m[1])
        if not 1 <= qi <= len(form.questions):
            return None
        if m[2]:  # the n-th option that was filled in
            filled = [i for i, o in enumerate(form.questions[qi - 1].options, 1) if o.text.strip()]
            oi = int(m[2])
            return f"q{qi}_o{filled[oi - 1]}" if oi <= len(filled) else None
        rest = m[3]
        if "min <= max" in rest:
            return f"q{qi}_max"
        if "min 0" in rest or "whole numbers" in rest:
            return f"q{qi}_min"
        if "options are needed" in rest or "candidates, this one has" in rest:
            return f"q{qi}_o1"
        return _race_field(rest, qi) or f"q{qi}_text"
    for prefix, name in _PREFIXES:
        if problem.startswith(prefix):
            return name
    return None


def _race_field(rest: str, qi: int) -> str | None:
    """The race field a question's problem is about (ballot.election.races' sentences)."""
    if "race is for officer and custom elections" in rest:
        return "kind"
    if rest.startswith("unit"):
        return f"q{qi}_unit"
    if "method" in rest:
        return f"q{qi}_method"
    if "seats" in rest:
        return f"q{qi}_seats"
    if rest.startswith("order"):
        return f"q{qi}_order"
    if "ranked" in rest or "protocol v2" in rest:
        return f"q{qi}_ranked"
    return None


#: The label of each settings field as the form shows it (English msgids: the template
#: translates them).
LABELS = {
    "title": "Title (English)",
    "instructions": "Instructions for members (English), optional",
    "kind": "Kind of vote",
    "rule": "Outcome rule",
    "supermajority": "Supermajority fraction (e.g. 2/3)",
    "quorum": "Quorum",
    "objection_days": "Objection period (days)",
    "subtotal_min_size": "Smallest unit with its own subtotal (ballots)",
    "revoting": "Members may vote again until voting closes (only the last ballot counts)",
    "trustees_n": "Trustees (n)",
    "trustees_k": "Trustees needed to decrypt (k)",
    "time_zone": "Time zone of the election",
    "opens_at": "Voting opens",
    "closes_at": "Voting closes",
    "committee_name": "Committee name (English)",
    "committee_email": "Contact e-mail address",
    "committee_phone": "Contact phone number",
    "committee_reply_to": "Reply-to address for messages to members",
}
_FIELD_NAME = re.compile(r"^q(\d+)_(?:o(\d+)|\w+)$")
_PREFIX = re.compile(r"^(?:question \d+(?: option \d+)?|[a-z_]+(?: [a-z_]+)?): ")


@dataclass(frozen=True)
class Problem:
    """One problem as the page shows it: its field, that field's label, the message."""

    field: str
    label: str
    args: dict[str, int]
    text: str


def describe(problem: str, form: DefinitionForm) -> Problem:
    """A rule's problem worded for the field it sits at (no internal field names)."""
    name = field_of(problem, form) or ""
    text = _PREFIX.sub("", problem, count=1) if name else problem
    if problem.startswith("closes_at must be after"):
        text = "voting must close after it opens"
    if m := _FIELD_NAME.match(name):
        if m[2]:
            text = f"option {m[2]}: {text}"
        return Problem(name, "Question %(n)s", {"n": int(m[1])}, text)
    return Problem(name, LABELS.get(name, ""), {}, text)


def problems_by_field(problems: list[str], form: DefinitionForm) -> dict[str, list[str]]:
    """Each field's problems, worded for that field; those about no one field under ``""``."""
    out: dict[str, list[str]] = {}
    for problem in problems:
        found = describe(problem, form)
        out.setdefault(found.field, []).append(found.text)
    return out
