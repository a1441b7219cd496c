"""The definition's rules about races (PROTOCOL 5.1): what a ranked or per-unit race may say.

The crypto layer reads only a question's shape (``ranked``, ``unit``, its options and
bounds: :class:`ballot.crypto.manifest.ElectionManifest`); the rest is an election rule,
checked here once for the service (before the key ceremony), the trustee tool and the
verifier alike, through :func:`ballot.election.context.read_definition`:

* ranked and per-unit races, and the keys that go with them, are protocol v2 (a
  definition that binds the board key);
* a ranked race names its method: ``instant_runoff`` with one seat, or ``scottish_stv``
  with 1 <= seats < candidates; a choose question names neither;
* ``order`` is ``fixed``, ``alphabetical`` or ``rotated``;
* a definition with a ranked or per-unit race asks for no ``subtotals`` (a subtotal would
  have to be split by race and by unit, and a ranked race is not summed at all).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

__all__ = [
    "METHODS",
    "ORDERS",
    "RACE_KEYS",
    "RacesError",
    "check_races",
    "has_races",
    "has_unit_races",
    "race_problems",
]

#: The counting methods of a ranked race (PROTOCOL 17), by the name the definition uses.
METHODS: Final = ("instant_runoff", "scottish_stv")
#: How the voter's page orders a race's candidates (presentation only).
ORDERS: Final = ("fixed", "alphabetical", "rotated")
#: The question keys that make races; none of them exists in protocol v1.
RACE_KEYS: Final = ("ranked", "unit", "method", "seats", "order")


class RacesError(ValueError):
    """The definition's races break a rule above; the message says which and where."""


def _questions(definition: object) -> list[Mapping[str, Any]]:
    raw = definition.get("questions") if isinstance(definition, Mapping) else None
    return [q for q in raw if isinstance(q, Mapping)] if isinstance(raw, list) else []


def has_unit_races(definition: object) -> bool:
    """Whether some question is a per-unit race: every ballot entry then names its unit,
    and an audit the unit whose layout it has (PROTOCOL 11.2).  Read from the JSON, for
    the lifecycle checks that run before (or without) a usable manifest."""
    return any(q.get("unit") is not None for q in _questions(definition))


def has_races(definition: object) -> bool:
    """Whether some question is a ranked or a per-unit race (such an election has no
    subtotals and no paper ballots)."""
    return has_unit_races(definition) or any(
        q.get("ranked") is True for q in _questions(definition)
    )


def _name(question: Mapping[str, Any], index: int) -> str:
    qid = question.get("id")
    return f"question {index}" + (f" ({qid!r})" if isinstance(qid, str) else "")


def _seats(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _question_problems(question: Mapping[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    order = question.get("order", "fixed")
    if order not in ORDERS:
        problems.append(f"{where}: 'order' must be one of {', '.join(ORDERS)}")
    if question.get("ranked") is not True:
        extra = [key for key in ("method", "seats") if key in question]
        if extra:
            problems.append(f"{where}: only a ranked race has {' and '.join(extra)}")
        return problems
    method, seats = question.get("method"), _seats(question.get("seats"))
    options = question.get("options")
    n = len(options) if isinstance(options, list) else 0
    if method not in METHODS:
        problems.append(f"{where}: a ranked race's method is one of {', '.join(METHODS)}")
    elif seats is None:
        problems.append(f"{where}: a ranked race says how many seats it fills (a whole number)")
    elif method == "instant_runoff" and seats != 1:
        problems.append(f"{where}: instant runoff fills one seat, not {seats}")
    elif method == "scottish_stv" and not 1 <= seats < n:
        problems.append(
            f"{where}: Scottish STV fills at least one seat and fewer seats than the "
            f"{n} candidates, not {seats}"
        )
    return problems


def race_problems(definition: Mapping[str, Any]) -> list[str]:
    """Every broken race rule of the definition (empty when there is none)."""
    questions = definition.get("questions")
    if not isinstance(questions, list):
        return []
    problems: list[str] = []
    v2 = "board_key" in definition
    races = False
    for index, question in enumerate(questions):
        if not isinstance(question, Mapping):
            continue
        where = _name(question, index)
        keys = [key for key in RACE_KEYS if key in question]
        if keys and not v2:
            problems.append(
                f"{where}: {', '.join(keys)} belong to protocol v2 (a definition that binds "
                "the board key); a protocol v1 election has no races"
            )
            continue
        races = races or question.get("ranked") is True or question.get("unit") is not None
        problems.extend(_question_problems(question, where))
    if races and definition.get("subtotals") is not None:
        problems.append(
            "subtotals: an election with a ranked or per-unit race publishes no subtotals per unit"
        )
    return problems


def check_races(definition: Mapping[str, Any]) -> None:
    """Raise :class:`RacesError` naming every broken race rule of the definition."""
    problems = race_problems(definition)
    if problems:
        raise RacesError("; ".join(problems))
