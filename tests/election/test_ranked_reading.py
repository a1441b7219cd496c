"""The ranking rule (PROTOCOL 17.1): read from the first rank, stop at the first rank that
is "no further preference", an unknown id or a repeat."""

from __future__ import annotations

import pytest

from ballot.election.ranked import RankedError, read_ballots, read_ranking

CANDIDATES = ("ana", "ben", "cy", "dee")


@pytest.mark.parametrize(
    ("entries", "read"),
    [
        (["ana", "ben", "cy", "dee"], ("ana", "ben", "cy", "dee")),
        (["cy", "ana", None, None], ("cy", "ana")),
        # a gap ends the reading: what follows it is not read
        (["cy", None, "ana", None], ("cy",)),
        # a repeat ends it at the repeat (not skipped: "ben" after it is not read)
        (["ana", "cy", "ana", "ben"], ("ana", "cy")),
        (["ana", "ana", "ben", None], ("ana",)),
        # an unknown id ends it too
        (["ben", "zed", "ana", None], ("ben",)),
        # no valid first preference: an empty reading (a blank ballot)
        ([None, None, None, None], ()),
        ([None, "ana", "ben", None], ()),
        (["zed", "ana", None, None], ()),
        ([], ()),
    ],
)
def test_the_ranking_rule(entries: list[str | None], read: tuple[str, ...]) -> None:
    assert read_ranking(entries, CANDIDATES) == read


def test_ids_are_compared_exactly() -> None:
    assert read_ranking(["Ana", "ana"], CANDIDATES) == ()
    assert read_ranking(["ana ", "ana"], CANDIDATES) == ()


def test_a_rank_holds_an_id_or_no_preference() -> None:
    with pytest.raises(RankedError):
        read_ranking(["ana", 2], CANDIDATES)  # type: ignore[list-item]


def test_ballots_are_counted_blank_and_irregular() -> None:
    read = read_ballots(
        [
            ["ana", "ben", None, None],  # regular
            ["ana", "ben", None, None],
            [None, None, None, None],  # blank, regular
            [None, "ana", None, None],  # blank, irregular (a gap)
            ["zed", None, None, None],  # blank, irregular (unknown)
            ["ben", "ben", None, None],  # irregular (a repeat)
            ["cy", None, "dee", None],  # irregular (a gap)
        ],
        CANDIDATES,
    )
    assert (read.ballots, read.blank, read.irregular, read.valid) == (7, 3, 4, 4)
    assert dict(read.readings) == {("ana", "ben"): 2, ("ben",): 1, ("cy",): 1}


@pytest.mark.parametrize("candidates", [(), ("ana", "ana"), ("ana", ""), ("ana", 3)])
def test_a_race_needs_distinct_candidate_ids(candidates: tuple[object, ...]) -> None:
    with pytest.raises(RankedError):
        read_ballots([], candidates)  # type: ignore[arg-type]
