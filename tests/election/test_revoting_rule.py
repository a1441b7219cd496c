"""The revoting setting and the rule of the last ballot (PROTOCOL 11.10), as pure functions."""

from __future__ import annotations

import pytest

from ballot.election.revoting import RevotingError, replaced_ballots, revoting_of

V2 = {"board_key": {"algorithm": "ed25519", "public_key": "00" * 32}}


def test_revoting_is_off_unless_a_v2_definition_says_true() -> None:
    assert revoting_of(None) is False
    assert revoting_of({}) is False
    assert revoting_of({**V2, "revoting": False}) is False
    assert revoting_of({**V2, "revoting": True}) is True
    assert revoting_of({"revoting": False}) is False  # a v1 definition may say "off"


@pytest.mark.parametrize("value", ["yes", 1, None, [True]])
def test_revoting_must_be_true_or_false(value: object) -> None:
    with pytest.raises(RevotingError, match="true or false"):
        revoting_of({**V2, "revoting": value})


def test_a_v1_definition_never_revotes() -> None:
    with pytest.raises(RevotingError, match="protocol v2"):
        revoting_of({"revoting": True})


def test_each_aliases_last_ballot_counts_the_earlier_are_replaced() -> None:
    ballots = [(4, "A"), (5, "B"), (9, "A"), (12, "C"), (20, "A"), (21, "B")]
    assert replaced_ballots(ballots) == {4: 20, 9: 20, 5: 21}
    assert replaced_ballots(list(reversed(ballots))) == {4: 20, 9: 20, 5: 21}  # board order
    assert replaced_ballots([(1, "A"), (2, "B")]) == {}
