"""The rules of races: ranked or choose, per-unit, and the order candidates are shown in.

A question of an officer election is a *race* (PROTOCOL 5.1).  The crypto layer reads
only ``ranked`` and ``unit`` (:mod:`ballot.crypto.manifest`); the rest are election rules,
read here: ``method`` and ``seats`` decide a ranked race (PROTOCOL 17), ``order`` is how
the member's page shows the candidates.  Problems are sentences for the committee, in
the form the definition's other checks use (``question 2: ...``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ballot.crypto.manifest import MAX_RANKED_CANDIDATES

__all__ = [
    "KINDS_WITH_RACES",
    "METHODS",
    "ORDERS",
    "RACE_KEYS",
    "ROTATION_TAG",
    "Race",
    "RacesError",
    "check_races",
    "display_order",
    "has_races",
    "has_unit_races",
    "race_of",
    "race_problems",
    "race_rule_problems",
    "rotation",
    "unit_warnings",
]

#: How a ranked race is counted (PROTOCOL 17.3, 17.4).
METHODS: Final = ("instant_runoff", "scottish_stv")
#: How the member's page orders a race's candidates; presentation only.
ORDERS: Final = ("fixed", "alphabetical", "rotated")
#: The keys a question may carry beyond id/options/min/max/text, all protocol v2 only.
RACE_KEYS: Final = ("ranked", "method", "seats", "unit", "order")
#: The kinds of election whose questions may be races: the others approve an option.
KINDS_WITH_RACES: Final = ("officer", "custom")
#: Domain tag of a member's rotation (PROTOCOL 5.1, "Candidate order").
ROTATION_TAG: Final = b"ballot/v1/rotation"
#: A unit label is a roll's unit, so no longer than the roll's column (the roll's
#: MAX_LENGTH["unit"]; not imported: the roll's checks need the server's phone library,
#: and the verifier, in the base install, reads these rules).
MAX_UNIT_LENGTH: Final = 100


@dataclass(frozen=True, slots=True)
class Race:
    """One question's race keys, read from a definition that passed :func:`race_problems`.

    ``seats`` of a choose race is its ``max`` (the candidates a member may choose are the
    seats to fill, decided by plurality); ``method`` is None for a choose race.
    """

    ranked: bool
    method: str | None
    seats: int
    unit: str | None
    order: str


def race_of(question: Mapping[str, Any]) -> Race:
    """The race keys of a (checked) question, with their defaults filled in."""
    ranked = question.get("ranked") is True
    return Race(
        ranked=ranked,
        method=str(question["method"]) if ranked else None,
        seats=int(question["seats"] if ranked else question.get("max", 1)),
        unit=question.get("unit"),
        order=str(question.get("order") or "fixed"),
    )


def _is_race(question: Any) -> bool:
    return isinstance(question, Mapping) and (
        question.get("ranked") is True or question.get("unit") is not None
    )


def has_races(questions: Iterable[Any]) -> bool:
    """Whether some question is ranked or per-unit: the election is then decided race by
    race (choose races by plurality, ranked ones by their method)."""
    return any(_is_race(q) for q in questions)


def has_unit_races(questions: Iterable[Any]) -> bool:
    """Whether some question is a per-unit race: every ballot entry then names its unit,
    and an audit the unit whose layout it has (PROTOCOL 11.2)."""
    return any(isinstance(q, Mapping) and q.get("unit") is not None for q in questions)


class RacesError(ValueError):
    """A definition breaks the rules of races; the message lists every problem."""


def check_races(definition: Mapping[str, Any]) -> None:
    """Raise :class:`RacesError` naming every broken protocol rule of the definition's
    races (PROTOCOL 5.1: v2 only, a ranked race's method and seats, the order, no
    subtotals): what the service checks again before the key ceremony (``check_rule``) and
    what the trustee tool and the verifier hold any definition they read to
    (:func:`ballot.election.context.read_definition`).  The service's own policy (the kinds
    with races, plurality for them) is its definition editor's, not a reader's."""
    problems = race_problems(definition, policy=False)
    if problems:
        raise RacesError("; ".join(problems))


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _ranked_problems(name: str, raw: Mapping[str, Any], n: int) -> list[str]:
    problems: list[str] = []
    if n > MAX_RANKED_CANDIDATES:
        problems.append(
            f"{name}: a ranked race has at most {MAX_RANKED_CANDIDATES} candidates, "
            f"this one has {n}"
        )
    if raw.get("min", 0) != 0:
        problems.append(
            f"{name}: a ranked race needs min 0 (max is the number of choices a member may rank)"
        )
    method = raw.get("method")
    seats: Any = raw.get("seats")
    if method not in METHODS:
        problems.append(
            f"{name}: a ranked race needs a method: instant_runoff (one seat) "
            "or scottish_stv (several seats)"
        )
    elif not _whole(seats):
        problems.append(f"{name}: a ranked race needs seats, the whole number of seats to fill")
    elif method == "instant_runoff" and seats != 1:
        problems.append(f"{name}: instant_runoff fills one seat, so seats must be 1, not {seats}")
    elif method == "scottish_stv" and not 1 <= seats < n:
        problems.append(
            f"{name}: scottish_stv needs 1 <= seats < number of candidates ({n}), not {seats}"
        )
    return problems


def _choose_problems(name: str, raw: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    if "method" in raw:
        problems.append(
            f"{name}: method is only for a ranked race (a choose race is decided by plurality)"
        )
    seats, hi = raw.get("seats"), raw.get("max", 1)
    if "seats" in raw and (not _whole(seats) or seats != hi):
        problems.append(
            f"{name}: in a choose race the seats are max (the candidates a member may "
            f"choose): seats must be {hi} or left out"
        )
    return problems


def _unit_problem(name: str, unit: Any) -> str | None:
    if unit is None:
        return None
    if not isinstance(unit, str) or not unit.strip():
        return f'{name}: unit must be the label of a unit on the roll, e.g. "Local 12"'
    if unit != unit.strip():
        return f"{name}: unit must not begin or end with a space"
    if len(unit) > MAX_UNIT_LENGTH:
        return f"{name}: unit must be at most {MAX_UNIT_LENGTH} characters"
    return None


def race_problems(
    definition: Mapping[str, Any], *, v2: bool | None = None, policy: bool = True
) -> list[str]:
    """Every problem of the definition's races, as sentences for the committee.

    ``definition`` is the committee's definition or a frozen manifest (only the number of
    a question's options is read, so either form does).  ``v2``: whether the definition
    is protocol v2; by default, whether it names a ``board_key`` (a draft the committee
    edits always is: the service binds its key on every change).  A v1 definition may have
    none of :data:`RACE_KEYS`.  A unit that nobody on the roll has is not a problem here
    (the roll may change until voting opens): see :func:`unit_warnings`.  ``policy``
    False leaves out the service's own policy (which kinds of election have races, how a
    unit label is written): what a reader of a frozen definition holds it to is the
    protocol's rules alone (:func:`check_races`).
    """
    if v2 is None:
        v2 = "board_key" in definition
    questions = definition.get("questions")
    if not isinstance(questions, list):
        return []
    problems: list[str] = []
    raced: list[int] = []
    for i, raw in enumerate(questions, start=1):
        if not isinstance(raw, Mapping):
            continue
        name = f"question {i}"
        present = [key for key in RACE_KEYS if key in raw]
        if present and not v2:
            problems.append(
                f"{name}: {', '.join(present)} need an election whose board is signed (protocol v2)"
            )
            continue
        options = raw.get("options")
        n = len(options) if isinstance(options, list) else 0
        ranked = raw.get("ranked", False)
        if not isinstance(ranked, bool):
            problems.append(f"{name}: ranked must be true or false")
        elif ranked:
            problems.extend(_ranked_problems(name, raw, n))
        else:
            problems.extend(_choose_problems(name, raw))
        if policy and (problem := _unit_problem(name, raw.get("unit"))) is not None:
            problems.append(problem)
        order = raw.get("order", "fixed")
        if order not in ORDERS:
            problems.append(f"{name}: order must be fixed, alphabetical or rotated")
        if _is_race(raw):
            raced.append(i)
    if raced:
        which = ", ".join(str(i) for i in raced)
        kind = definition.get("kind") if policy else None
        if kind is not None and kind not in KINDS_WITH_RACES:
            problems.append(
                f"question {raced[0]}: a ranked or per-unit race is for officer and custom "
                f"elections, not {kind} (question {which})"
            )
        if definition.get("subtotals") is not None:
            problems.append(
                "subtotals: a definition with a ranked or per-unit race publishes no subtotals "
                f"per unit (question {which})"
            )
    return problems


def race_rule_problems(definition: Mapping[str, Any]) -> list[str]:
    """A frozen definition with races decides its choose races by ``plurality`` (15.1):
    the seats of a race are its ``max``; a share of the valid votes would mean nothing."""
    if not has_races(definition.get("questions") or []):
        return []
    rule = definition.get("rule")
    kind = rule.get("kind") if isinstance(rule, Mapping) else rule
    if kind == "plurality":
        return []
    return ["rule: a definition with a ranked or per-unit race is decided by plurality"]


def unit_warnings(definition: Mapping[str, Any], roll_units: Iterable[str]) -> list[str]:
    """Per-unit races whose unit no member on the roll has: no ballot would carry them.

    A warning for the committee, not a definition problem: the roll can still change.
    """
    units = set(roll_units)
    warnings = []
    for i, raw in enumerate(definition.get("questions") or [], start=1):
        unit = raw.get("unit") if isinstance(raw, Mapping) else None
        if isinstance(unit, str) and unit not in units:
            warnings.append(f'question {i}: nobody on the roll is in the unit "{unit}"')
    return warnings


# ------------------------------------------------------------------ candidate order


def rotation(alias: str, n: int) -> int:
    """How far a member's page rotates a race of ``n`` candidates to the left:
    int(SHA-256(tag || alias UTF-8)[:8], big endian) mod n.  Uniform enough over the
    aliases that each candidate heads about 1/n of the ballots (ballot-position bias)."""
    if n < 1:
        raise ValueError("a race has at least one candidate")
    digest = hashlib.sha256(ROTATION_TAG + alias.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % n


def _option_text(option: Any, language: str) -> str:
    """An option's text in ``language``, else English: a manifest's option is
    ``{"id", "text": {...}}``, a committee definition's is the texts themselves."""
    texts = option.get("text", option) if isinstance(option, Mapping) else option
    if isinstance(texts, Mapping):
        return str(texts.get(language) or texts.get("en") or "")
    return str(texts or "")


def display_order(question: Mapping[str, Any], language: str, alias: str) -> list[int]:
    """The canonical indices of a question's options in the order a member's page shows
    them; the ballot always encrypts in canonical order (the page maps back by index).

    ``fixed``: canonical.  ``alphabetical``: by the option's text in ``language`` (English
    if it has none) casefolded, then by the text's code points, then canonical order.
    ``rotated``: canonical, rotated left by :func:`rotation` of the member's alias.
    """
    options: Sequence[Any] = question.get("options") or []
    n = len(options)
    order = question.get("order") or "fixed"
    if order == "alphabetical":

        def key(i: int) -> tuple[str, str, int]:
            text = _option_text(options[i], language)
            return (text.casefold(), text, i)

        return sorted(range(n), key=key)
    if order == "rotated" and n:
        r = rotation(alias, n)
        return [*range(r, n), *range(r)]
    return list(range(n))
