"""A published count read back (PROTOCOL 17.5): what the pages show is what was published."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings

from ballot.election.ranked import RankedError, instant_runoff, scottish_stv
from ballot.election.ranked.published import read_count

from .ranked_support import SEED, ballots, races


def _irv() -> dict[str, Any]:
    return instant_runoff(
        ballots("8 ana\n5 ben cy\n4 cy ben\n2 dee cy\n1 dee\n1 -"),
        ["ana", "ben", "cy", "dee"],
        seed=SEED,
        race="president",
    ).to_json()


def _stv() -> dict[str, Any]:
    return scottish_stv(
        ballots("15 a b\n2 a c\n4 b\n6 c d\n4 d b"),
        ["a", "b", "c", "d"],
        seats=2,
        seed=SEED,
        race="delegates",
    ).to_json()


def test_both_methods_read_back_to_the_same_json() -> None:
    for published in (_irv(), _stv()):
        assert read_count(published).to_json() == published


@settings(max_examples=60, deadline=None)
@given(races())
def test_every_drawn_count_reads_back(race: tuple[list[str], list[list[str | None]]]) -> None:
    ids, drawn = race
    for count in (
        instant_runoff(drawn, ids, seed=SEED, race="r"),
        scottish_stv(drawn, ids, seats=min(2, len(ids)), seed=SEED, race="r"),
    ):
        published = count.to_json()
        assert read_count(published).to_json() == published


def _spoil(published: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(published)
    where: Any = out
    for step in path[:-1]:
        where = where[step]
    where[path[-1]] = value
    return out


@pytest.mark.parametrize(
    ("make", "path", "value"),
    [
        (_irv, ("format",), "ballot/ranked-count/v2"),
        (_irv, ("method",), "borda"),
        (_irv, ("rounds", 0, "counts", "ana"), "8"),
        (_irv, ("rounds", 1, "from"), "zed"),
        (_irv, ("rounds", 1, "action"), "surplus!"),
        (_irv, ("rounds", 0, "tie"), {"tied": ["ana"], "by": "dice", "round": None}),
        (_irv, ("elected",), ["nobody"]),
        (_irv, ("quota",), "1.00000"),
        (_irv, ("valid",), 99),
        (_irv, ("tie_seed",), "00"),
        (_stv, ("quota",), 11),
        (_stv, ("rounds", 0, "counts", "a"), "17.0"),
        (_stv, ("rounds", 0, "loss"), None),
        (_stv, ("rounds", 1, "transfers", 0, "ballots"), -1),
    ],
)
def test_a_malformed_count_is_refused_by_name(make: Any, path: tuple[Any, ...], value: Any) -> None:
    with pytest.raises(RankedError):
        read_count(_spoil(make(), path, value))


def test_counts_must_name_every_candidate() -> None:
    published = _irv()
    del published["rounds"][0]["counts"]["dee"]
    with pytest.raises(RankedError, match="every candidate"):
        read_count(published)
    with pytest.raises(RankedError):
        read_count(["not", "an", "object"])
