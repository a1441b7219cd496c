"""Records of the votes unions hold: the outcome and the determinative flag follow the rule."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from ballot.record.synthetic import (
    Challenge,
    GeneratedRecord,
    generate_record,
    officer_definition,
    ratification_definition,
    recognition_definition,
)
from ballot.record.verify import verify_record


def _verified(path: Path) -> dict[str, Any]:
    report = verify_record(path)
    assert report.ok, report.failure
    assert report.result is not None
    return dict(report.result)


@pytest.mark.parametrize(
    ("yes", "no", "expected"),
    [(6, 3, "approved"), (5, 3, "rejected")],
    ids=["exactly-two-thirds-carries", "short-of-two-thirds-fails"],
)
def test_ratification_needs_two_thirds(tmp_path: Path, yes: int, no: int, expected: str) -> None:
    votes = [[[0]]] * yes + [[[1]]] * no
    gen = generate_record(tmp_path / "r.zip", ratification_definition(), votes)
    result = _verified(gen.path)
    question = result["questions"][0]
    assert question["counts"] == {"yes": yes, "no": no}
    assert question["outcome"]["result"] == expected
    assert result["determinative"] is False


def test_recognition_tie_loses(tmp_path: Path) -> None:
    votes = [[[0]]] * 4 + [[[1]]] * 4
    gen = generate_record(tmp_path / "r.zip", recognition_definition(), votes)
    outcome = _verified(gen.path)["questions"][0]["outcome"]
    assert outcome["result"] == "tie_fails" and outcome["decided"]


def test_recognition_with_determinative_challenges(recognition: GeneratedRecord) -> None:
    """5 yes / 4 no counted, one challenge undecided: it could make a tie, which loses."""
    result = _verified(recognition.path)
    assert result["questions"][0]["outcome"]["result"] == "approved"
    assert result["undecided"] == 1 and result["determinative"] is True


def test_recognition_with_challenges_that_cannot_matter(tmp_path: Path) -> None:
    votes = [[[0]]] * 7 + [[[1]]] * 2
    challenges = [Challenge([[1]]), Challenge([[1]])]
    gen = generate_record(
        tmp_path / "r.zip", recognition_definition(), votes, challenges=challenges
    )
    result = _verified(gen.path)
    assert result["challenged"] == 2 and result["undecided"] == 2
    assert result["counted"] == 9 and result["determinative"] is False


def test_officer_election_without_a_majority_goes_to_a_runoff(tmp_path: Path) -> None:
    votes = [[[0]]] * 4 + [[[1]]] * 3 + [[[2]]] * 2
    gen = generate_record(tmp_path / "r.zip", officer_definition(), votes)
    result = _verified(gen.path)
    question = result["questions"][0]
    assert question["counts"] == {"alvarez": 4, "brooks": 3, "chen": 2}
    assert question["outcome"]["result"] == "runoff:alvarez,brooks"
    assert question["outcome"]["runoff"] == ["alvarez", "brooks"]
    assert not question["outcome"]["decided"]


def test_officer_elected_with_a_majority(tmp_path: Path) -> None:
    votes = [[[2]]] * 5 + [[[0]]] * 2 + [[[1]]] * 1
    gen = generate_record(tmp_path / "r.zip", officer_definition(), votes)
    outcome = _verified(gen.path)["questions"][0]["outcome"]
    assert outcome["result"] == "elected:chen" and outcome["decided"]


def test_officer_runoff_edited_into_a_win_is_caught(tmp_path: Path) -> None:
    from .conftest import resign

    votes = [[[0]]] * 4 + [[[1]]] * 3 + [[[2]]] * 2
    gen = generate_record(tmp_path / "r.zip", officer_definition(), votes)

    def crown(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        entries[-1]["payload"]["result"]["questions"][0]["outcome"]["result"] = "elected:alvarez"
        return entries

    report = verify_record(resign(gen, tmp_path / "t.zip", crown))
    assert not report.ok and report.failed_step == "outcome"
    assert "runoff:alvarez,brooks" in (report.failure or "")


def test_ratification_that_misses_its_quorum(tmp_path: Path) -> None:
    """9 of 30 eligible vote, the quorum is half of them: not decided, whatever the count;
    a server that flips the quorum flag is caught."""
    from ballot.election.outcome import OutcomeRule, RuleKind

    from .conftest import resign

    definition = ratification_definition()
    definition["rule"] = OutcomeRule(
        RuleKind.SUPERMAJORITY, Fraction(2, 3), quorum_fraction=Fraction(1, 2)
    ).to_json()
    votes = [[[0]]] * 7 + [[[1]]] * 2
    gen = generate_record(tmp_path / "r.zip", definition, votes, eligible=30)
    outcome = _verified(gen.path)["questions"][0]["outcome"]
    assert outcome["result"] == "no_quorum" and outcome["quorum_met"] is False
    assert not outcome["decided"]
    assert outcome["reasons"][0]["code"] == "quorum_fraction_missed"  # a v2 record's codes

    def met(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        entries[-1]["payload"]["result"]["questions"][0]["outcome"]["quorum_met"] = True
        return entries

    report = verify_record(resign(gen, tmp_path / "t.zip", met))
    assert not report.ok and report.failed_step == "outcome"
    assert report.failure is not None and report.failure.startswith(
        "outcome edited: question 'authorise'"
    )


def service_definition(election_id: str = "e-2026-17") -> dict[str, Any]:
    """What ballot.store.elections.build_manifest gives (its exact keys), with the
    ``rule`` the service adds: option ids ``q0-o0``, ``text`` instead of ``label``."""
    from ballot.election.outcome import OutcomeRule, RuleKind

    return {
        "election_id": election_id,
        "kind": "recognition",
        "title": {"en": "Recognition vote", "es": "Votación de reconocimiento"},
        "instructions": {"en": "Choose one."},
        "languages": ["en", "es"],
        "outcome": {"rule": "majority", "supermajority": None, "quorum": None, "tie": "fails"},
        "allow_blank": False,
        "opens_at": "2026-11-02T09:00:00+00:00",
        "closes_at": None,
        "trustees": {"n": 3, "k": 2},
        "questions": [
            {
                "id": "q0",
                "position": 0,
                "min": 1,
                "max": 1,
                "text": {"en": "Do you want Local 1 to represent you?"},
                "options": [
                    {"id": "q0-o0", "position": 0, "text": {"en": "Yes", "es": "Sí"}},
                    {"id": "q0-o1", "position": 1, "text": {"en": "No"}},
                ],
            }
        ],
        "rule": OutcomeRule(RuleKind.MAJORITY, approve_option="q0-o0").to_json(),
    }


def test_a_definition_as_the_service_builds_it(tmp_path: Path) -> None:
    from ballot.record.verify import outcome_rule

    definition = service_definition()
    assert outcome_rule(definition).approve_option == "q0-o0"
    votes = [[[0]]] * 5 + [[[1]]] * 3
    gen = generate_record(
        tmp_path / "r.zip", definition, votes, challenges=[Challenge([[1]], "overruled")]
    )
    result = _verified(gen.path)
    question = result["questions"][0]
    assert question["id"] == "q0"
    assert question["counts"] == {"q0-o0": 5, "q0-o1": 4}
    assert question["outcome"]["result"] == "approved"
    assert result["counted"] == 9


def test_service_definition_result_from_counts(tmp_path: Path) -> None:
    """expected_result straight from counts_from_slots, as the server computes it."""
    from ballot.crypto.manifest import ElectionManifest
    from ballot.crypto.tally import counts_from_slots
    from ballot.record.verify import expected_result

    definition = service_definition()
    manifest = ElectionManifest.from_definition(definition)
    counts = [counts_from_slots(manifest, 0, [4], 8)]  # one slot: 4 yes of 8, a tie
    result = expected_result(
        definition, manifest, counts, eligible=20, cast=8, challenged=1, sustained=0, overruled=0
    )
    assert result["questions"][0]["counts"] == {"q0-o0": 4, "q0-o1": 4}
    assert result["questions"][0]["outcome"]["result"] == "tie_fails"
    assert result["determinative"] is True  # one undecided ballot breaks the tie
