"""The container types of an election definition, checked before any rule reads it.

The definition's rules (``ballot.store.elections.parse_definition``) read fields with
``.get`` and iterate lists; a ``trustees`` that is a list, or a question that is a
string, would fail there with an AttributeError (a 500) instead of a clear problem.
This pure check names every field whose JSON type is wrong, so the rules only ever see
the shapes they expect; values inside the right shapes are left to the rules.
"""

from __future__ import annotations

from typing import Any

#: Top-level fields that, when present and not null, must be JSON objects.
_OBJECTS = ("trustees", "subtotals")
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
