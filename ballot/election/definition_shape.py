"""The container types of an election definition, checked before any rule reads it.

The definition's rules (``ballot.store.elections.parse_definition``) read fields with
``.get`` and iterate lists; a ``trustees`` that is a list, or a question that is a
string, would fail there with an AttributeError (a 500) instead of a clear problem.
This pure check names every field whose JSON type is wrong, so the rules only ever see
the shapes they expect; values inside the right shapes are left to the rules.
"""

from __future__ import annotations

import re
from typing import Any

#: Top-level fields that, when present and not null, must be JSON objects.
_OBJECTS = ("trustees", "subtotals", "committee")
#: Text fields: a string (English) or an object of texts by language.
_TEXTS = ("title", "instructions")


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false"}
    for python_type, name in names.items():
        if isinstance(value, python_type):
            return name
    if isinstance(value, (int, float)):
        return "a number"
    return "null" if value is None else type(value).__name__


def _text_problem(value: Any, name: str) -> str | None:
    if value is None or isinstance(value, (str, dict)):
        return None
    return f'{name}: expected texts by language, e.g. {{"en": "..."}}, not {_kind(value)}'


def shape_problems(data: Any) -> list[str]:
    """Every field of ``data`` whose type is wrong; empty when the shapes are right."""
    if not isinstance(data, dict):
        return [f"the definition must be a JSON object, not {_kind(data)}"]
    problems: list[str] = []
    for name in _OBJECTS:
        value = data.get(name)
        if value is not None and not isinstance(value, dict):
            problems.append(f"{name}: must be an object, not {_kind(value)}")
    for name in _TEXTS:
        if (problem := _text_problem(data.get(name), name)) is not None:
            problems.append(problem)
    witnesses = data.get("witnesses")
    if witnesses is not None and (
        not isinstance(witnesses, list) or not all(isinstance(w, dict) for w in witnesses)
    ):
        problems.append(
            'witnesses: must be a list of {"name": ..., "public_key": ...}, '
            f"not {_kind(witnesses)}"
        )
    questions = data.get("questions")
    if questions is None:
        return problems
    if not isinstance(questions, list):
        return [*problems, f"questions: must be a list, not {_kind(questions)}"]
    for i, question in enumerate(questions, start=1):
        name = f"question {i}"
        if not isinstance(question, dict):
            problems.append(f"{name}: must be an object, not {_kind(question)}")
            continue
        if (problem := _text_problem(question.get("text"), name)) is not None:
            problems.append(problem)
        options = question.get("options")
        if options is not None and not isinstance(options, list):
            problems.append(f"{name} options: must be a list, not {_kind(options)}")
    return problems


#: An address a member can write to: one @, no spaces, a dot in the domain.
_EMAIL = re.compile(r"^[^@\s<>,;\"]{1,64}@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
#: A phone number as people write it: digits, spaces, + ( ) - . and an extension.
_PHONE = re.compile(r"^\+?[0-9 ()\-./]{3,30}(?: ?(?:x|ext\.?) ?[0-9]{1,6})?$")
#: Longest committee name in any language (it heads every message).
COMMITTEE_NAME_MAX = 200


def is_email(value: str) -> bool:
    return len(value) <= 320 and _EMAIL.match(value) is not None


def committee_problems(value: Any, languages: Any) -> list[str]:
    """What is wrong with the definition's ``committee`` (who runs the vote), if anything.

    ``{"name": {lang: text}, "email": str, "phone": str, "reply_to": str}``: the name
    in English at least (other languages in ``languages``), the contact address and
    reply-to as e-mail addresses, the phone as digits people can dial.  Empty contact
    fields are left out; members are told whom to ask, so a name is required.
    """
    if value is None:
        return []
    if not isinstance(value, dict):
        return [f"committee: must be an object, not {_kind(value)}"]
    problems: list[str] = []
    unknown = sorted(set(value) - {"name", "email", "phone", "reply_to"})
    if unknown:
        problems.append(f"committee: unknown fields {', '.join(unknown)}")
    name = value.get("name")
    if isinstance(name, str):
        name = {"en": name}
    if not isinstance(name, dict) or not str(name.get("en") or "").strip():
        problems.append("committee name: the English name is required")
    else:
        for lang, text in name.items():
            if lang not in languages:
                problems.append(f"committee name: unknown language {lang!r}")
            elif not isinstance(text, str) or not text.strip():
                problems.append(f"committee name: empty text for {lang}")
            elif len(text) > COMMITTEE_NAME_MAX:
                problems.append(f"committee name: at most {COMMITTEE_NAME_MAX} characters")
    for field in ("email", "reply_to"):
        address = value.get(field)
        if address in (None, ""):
            continue
        if not isinstance(address, str) or not is_email(address.strip()):
            label = "committee email" if field == "email" else "committee reply_to"
            problems.append(f"{label}: not an e-mail address (e.g. committee@union.org)")
    phone = value.get("phone")
    if phone not in (None, "") and (
        not isinstance(phone, str)
        or not _PHONE.match(phone.strip())
        or sum(c.isdigit() for c in phone) < 3
    ):
        problems.append("committee phone: digits, spaces, + ( ) - only (e.g. +1 213 555 0100)")
    return problems
