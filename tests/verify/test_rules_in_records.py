"""Records of the votes unions hold: the outcome and the determinative flag follow the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from ballot.record.synthetic import (
    Challenge,
    generate_record,
    officer_definition,
    ratification_definition,
    recognition_definition,
)
from ballot.record.verify import verify_record


def _verified(path: Path) -> dict:
    report = verify_record(path)
    assert report.ok, report.failure
    assert report.result is not None
    return report.result


@pytest.mark.parametrize(
    ("yes", "no", "expected"),
    [(6, 3, "approved"), (5, 3, "rejected")],
    ids=["exactly-two-thirds-carries", "short-of-two-thirds-fails"],
)
def test_ratification_needs_two_thirds(tmp_path, yes, no, expected) -> None:
    votes = [[[0]]] * yes + [[[1]]] * no
    gen = generate_record(tmp_path / "r.zip", ratification_definition(), votes)
    result = _verified(gen.path)
    question = result["questions"][0]
    assert question["counts"] == {"yes": yes, "no": no}
    assert question["outcome"]["result"] == expected
    assert result["determinative"] is False


def test_recognition_tie_loses(tmp_path) -> None:
    votes = [[[0]]] * 4 + [[[1]]] * 4
    gen = generate_record(tmp_path / "r.zip", recognition_definition(), votes)
    outcome = _verified(gen.path)["questions"][0]["outcome"]
    assert outcome["result"] == "tie_fails" and outcome["decided"]


def test_recognition_with_determinative_challenges(recognition) -> None:
    """5 yes / 4 no counted, one challenge undecided: it could make a tie, which loses."""
    result = _verified(recognition.path)
    assert result["questions"][0]["outcome"]["result"] == "approved"
    assert result["undecided"] == 1 and result["determinative"] is True


def test_recognition_with_challenges_that_cannot_matter(tmp_path) -> None:
    votes = [[[0]]] * 7 + [[[1]]] * 2
    challenges = [Challenge([[1]]), Challenge([[1]])]
    gen = generate_record(
        tmp_path / "r.zip", recognition_definition(), votes, challenges=challenges
    )
    result = _verified(gen.path)
    assert result["challenged"] == 2 and result["undecided"] == 2
    assert result["counted"] == 9 and result["determinative"] is False


def test_officer_election_without_a_majority_goes_to_a_runoff(tmp_path) -> None:
    votes = [[[0]]] * 4 + [[[1]]] * 3 + [[[2]]] * 2
    gen = generate_record(tmp_path / "r.zip", officer_definition(), votes)
    result = _verified(gen.path)
    question = result["questions"][0]
    assert question["counts"] == {"alvarez": 4, "brooks": 3, "chen": 2}
    assert question["outcome"]["result"] == "runoff:alvarez,brooks"
    assert question["outcome"]["runoff"] == ["alvarez", "brooks"]
    assert not question["outcome"]["decided"]


def test_officer_elected_with_a_majority(tmp_path) -> None:
    votes = [[[2]]] * 5 + [[[0]]] * 2 + [[[1]]] * 1
    gen = generate_record(tmp_path / "r.zip", officer_definition(), votes)
    outcome = _verified(gen.path)["questions"][0]["outcome"]
    assert outcome["result"] == "elected:chen" and outcome["decided"]


def test_officer_runoff_edited_into_a_win_is_caught(tmp_path) -> None:
    from .conftest import resign

    votes = [[[0]]] * 4 + [[[1]]] * 3 + [[[2]]] * 2
    gen = generate_record(tmp_path / "r.zip", officer_definition(), votes)

    def crown(entries):
        entries[-1]["payload"]["result"]["questions"][0]["outcome"]["result"] = "elected:alvarez"
        return entries

    report = verify_record(resign(gen, tmp_path / "t.zip", crown))
    assert not report.ok and report.failed_step == "outcome"
    assert "runoff:alvarez,brooks" in (report.failure or "")
