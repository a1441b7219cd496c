"""A published ranked count read back: the JSON of PROTOCOL 17.5 as a :class:`RankedCount`.

Pages show a race's rounds from what the board publishes (``mix.result``), not from a
count of their own, so an observer reads exactly what the record states; the verifier
recounts and compares.  Reading is strict: a key missing, a value of the wrong type, a
decimal that is not a fixed five-place number, an id that names no candidate, each is a
:class:`RankedError` naming what is wrong, and the page then says the count cannot be
read rather than showing half of it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final, Literal, cast

from ballot.election.ranked.count import FORMAT, STV_SCALE, Action, RankedCount, Round, Transfer
from ballot.election.ranked.reading import RankedError, check_candidates
from ballot.election.ranked.ties import SEED_BYTES, Tie

__all__ = ["read_count"]

_FIXED: Final = re.compile(r"(0|[1-9][0-9]*)\.([0-9]{5})")
_HEX: Final = re.compile(r"[0-9a-f]{64}")
_ACTIONS: Final = ("first_preferences", "surplus", "exclusion")
Method = Literal["instant_runoff", "scottish_stv"]


def _whole(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RankedError(f"{name}: a whole number, not {value!r}")
    return value


def _units(value: object, stv: bool, name: str) -> int:
    """A value in units: an integer (instant runoff) or a fixed decimal (STV)."""
    if not stv:
        return _whole(value, name)
    if not isinstance(value, str) or not (m := _FIXED.fullmatch(value)):
        raise RankedError(f"{name}: a decimal with five places, not {value!r}")
    return int(m[1]) * STV_SCALE + int(m[2])


def _object(value: object, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RankedError(f"{name}: an object")
    return value


def _list(value: object, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise RankedError(f"{name}: a list")
    return value


def _candidate(value: object, known: tuple[str, ...], name: str) -> str:
    if not isinstance(value, str) or value not in known:
        raise RankedError(f"{name}: not a candidate of the race ({value!r})")
    return value


def _tie(value: object, known: tuple[str, ...], name: str) -> Tie | None:
    if value is None:
        return None
    raw = _object(value, name)
    tied = tuple(_candidate(c, known, f"{name} tied") for c in _list(raw.get("tied"), name))
    by, at = raw.get("by"), raw.get("round")
    if by == "lot" and at is None:
        return Tie(tied, "lot", None)
    if by == "earlier_round":
        return Tie(tied, "earlier_round", _whole(at, f"{name} round"))
    raise RankedError(f"{name}: by an earlier round (with its number) or by lot")


def _transfer(value: object, known: tuple[str, ...], stv: bool, name: str) -> Transfer:
    raw = _object(value, name)
    to = raw.get("to")
    target = None if to is None else _candidate(to, known, f"{name} to")
    votes = _units(raw.get("votes"), stv, f"{name} votes")
    if not stv:
        return Transfer(target, votes, 1, votes)
    return Transfer(
        target,
        _whole(raw.get("ballots"), f"{name} ballots"),
        _units(raw.get("value"), stv, f"{name} value"),
        votes,
    )


def _round(value: object, known: tuple[str, ...], stv: bool, index: int) -> Round:
    name = f"round {index}"
    raw = _object(value, name)
    action = raw.get("action")
    if action not in _ACTIONS:
        raise RankedError(f"{name}: action is one of {', '.join(_ACTIONS)}")
    source = raw.get("from")
    counts = _object(raw.get("counts"), f"{name} counts")
    if set(counts) != set(known):
        raise RankedError(f"{name}: counts name every candidate, and only them")
    return Round(
        number=_whole(raw.get("round"), f"{name} number"),
        action=cast(Action, action),
        source=None if source is None else _candidate(source, known, f"{name} from"),
        tie=_tie(raw.get("tie"), known, f"{name} tie"),
        transfers=tuple(
            _transfer(t, known, stv, f"{name} transfer")
            for t in _list(raw.get("transfers"), f"{name} transfers")
        ),
        counts={c: _units(counts[c], stv, f"{name} count of {c}") for c in known},
        exhausted=_units(raw.get("exhausted"), stv, f"{name} exhausted"),
        loss=_units(raw.get("loss"), stv, f"{name} loss") if stv else 0,
        elected=tuple(
            _candidate(c, known, f"{name} elected")
            for c in _list(raw.get("elected"), f"{name} elected")
        ),
    )


def read_count(value: object) -> RankedCount:
    """The published count of one race (PROTOCOL 17.5); raises RankedError if unreadable."""
    raw = _object(value, "count")
    if raw.get("format") != FORMAT:
        raise RankedError(f"count: format {FORMAT!r}")
    method = raw.get("method")
    if method not in ("instant_runoff", "scottish_stv"):
        raise RankedError("count: method is instant_runoff or scottish_stv")
    stv = method == "scottish_stv"
    race = raw.get("race")
    if not isinstance(race, str) or not race:
        raise RankedError("count: race is the race id")
    known = check_candidates(_list(raw.get("candidates"), "candidates"))
    seed = raw.get("tie_seed")
    if not isinstance(seed, str) or not _HEX.fullmatch(seed):
        raise RankedError(f"count: tie_seed is {SEED_BYTES * 2} lower-case hex digits")
    quota = raw.get("quota")
    count = RankedCount(
        method=cast(Method, method),
        race=race,
        candidates=known,
        seats=_whole(raw.get("seats"), "seats"),
        ballots=_whole(raw.get("ballots"), "ballots"),
        blank=_whole(raw.get("blank"), "blank"),
        irregular=_whole(raw.get("irregular"), "irregular"),
        quota=_units(quota, True, "quota") if stv else None,
        tie_seed=bytes.fromhex(seed),
        rounds=tuple(
            _round(r, known, stv, i) for i, r in enumerate(_list(raw.get("rounds"), "rounds"), 1)
        ),
        elected=tuple(
            _candidate(c, known, "elected") for c in _list(raw.get("elected"), "elected")
        ),
    )
    if not stv and quota is not None:
        raise RankedError("count: instant runoff has no quota")
    if raw.get("valid") != count.valid or count.blank > count.ballots:
        raise RankedError("count: valid is ballots less blank")
    return count
