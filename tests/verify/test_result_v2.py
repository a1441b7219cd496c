"""Protocol v2 results: reasons as codes, recomputed whole by the verifier (PROTOCOL 15).

An election whose definition binds a board key gets v2 results; the key itself is
checked elsewhere (board-roll), so a placeholder stands in for it here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ballot.crypto.manifest import ElectionManifest
from ballot.crypto.tally import OptionCounts
from ballot.election.outcome import RuleError
from ballot.election.result import expected_result, result_version
from ballot.record.synthetic import (
    Challenge,
    GeneratedRecord,
    generate_record,
    officer_definition,
    recognition_definition,
)
from ballot.record.verify import verify_record

from .conftest import resign

BOARD_KEY = {"algorithm": "ed25519", "public_key": "11" * 32}


def v2(definition: dict[str, Any]) -> dict[str, Any]:
    return {**definition, "board_key": BOARD_KEY}


def test_the_version_follows_the_board_key() -> None:
    assert result_version(recognition_definition()) == 1
    assert result_version(v2(recognition_definition())) == 2


@pytest.fixture(scope="module")
def record_v2(tmp_path_factory: pytest.TempPathFactory) -> GeneratedRecord:
    """5 yes, 4 no, one undecided challenge that could make a tie (which fails)."""
    path = tmp_path_factory.mktemp("v2") / "recognition.zip"
    votes = [[[0]]] * 5 + [[[1]]] * 4
    return generate_record(
        path, v2(recognition_definition()), votes, challenges=[Challenge([[1]])], eligible=20
    )


def test_a_v2_record_verifies_with_coded_reasons(record_v2: GeneratedRecord) -> None:
    report = verify_record(record_v2.path, jobs=1)
    assert report.ok, report.failure
    assert report.result is not None
    assert report.result["format"] == "ballot/election-result/v2"
    assert report.result["determinative"] is True
    assert report.result["questions"][0]["outcome"] == {
        "result": "approved",
        "decided": True,
        "quorum_met": True,
        "runoff": [],
        "tied": [],
        "reasons": [
            {
                "code": "majority_reached",
                "option": "yes",
                "votes": 5,
                "valid": 9,
                "threshold": "1/2",
                "needed": 5,
            },
            {"code": "challenges_could_reject", "undecided": 1, "option": "yes"},
        ],
    }


def _edit_reasons(change: Any) -> Any:
    def edit(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        outcome = entries[-1]["payload"]["result"]["questions"][0]["outcome"]
        outcome["reasons"] = change(outcome["reasons"])
        return entries

    return edit


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            lambda rs: [{**rs[0], "needed": 4}, rs[1]],
            "reason 1 under the rule is {'code': 'majority_reached'",
        ),
        (lambda rs: [rs[0]], "the result lacks reason 2, under the rule {'code': 'challenges"),
        (lambda rs: [*rs, rs[0]], "the rule gives 2 reasons, the result has 3"),
        (
            lambda rs: [rs[0], {"code": "challenges_cannot_change", "undecided": 1}],
            "reason 2 under the rule is {'code': 'challenges_could_reject'",
        ),
        (
            lambda rs: ["5 in favour is more than 1/2 of 9 valid votes"],
            "result says '5 in favour is more than 1/2 of 9 valid votes'",
        ),
    ],
    ids=["parameter", "dropped", "added", "code", "prose"],
)
def test_edited_reasons_fail_naming_the_reason(
    record_v2: GeneratedRecord, tmp_path: Path, change: Any, named: str
) -> None:
    report = verify_record(resign(record_v2, tmp_path / "t.zip", _edit_reasons(change)), jobs=1)
    assert not report.ok and report.failed_step == "outcome"
    assert report.failure is not None
    assert report.failure.startswith("outcome edited: question 'represent': ")
    assert named in report.failure


def test_a_v1_result_in_a_v2_record_is_caught(record_v2: GeneratedRecord, tmp_path: Path) -> None:
    def old(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        entries[-1]["payload"]["result"]["format"] = "ballot/election-result/v1"
        return entries

    report = verify_record(resign(record_v2, tmp_path / "t.zip", old), jobs=1)
    assert not report.ok
    assert "format is 'ballot/election-result/v2'" in (report.failure or "")


def delegates() -> dict[str, Any]:
    """Three delegate seats among four candidates: a member marks up to three."""
    d = officer_definition("delegates-test")
    d["rule"] = {"kind": "plurality"}
    q = d["questions"][0]
    q["id"], q["min"], q["max"] = "delegates", 0, 3
    q["options"].append({"id": "diaz", "label": {"en": "P. Diaz"}})
    return v2(d)


def test_a_plurality_fills_its_seats(tmp_path: Path) -> None:
    votes = [[[0, 1, 2]]] * 3 + [[[0, 3]]] * 2 + [[[1]]] + [[[]]]
    gen = generate_record(tmp_path / "d.zip", delegates(), votes, eligible=10)
    report = verify_record(gen.path, jobs=1)
    assert report.ok, report.failure
    assert report.result is not None
    question = report.result["questions"][0]
    assert question["counts"] == {"alvarez": 5, "brooks": 4, "chen": 3, "diaz": 2}
    assert question["blank"] == 1
    assert question["outcome"]["result"] == "elected:alvarez,brooks,chen"
    assert question["outcome"]["reasons"] == [
        {"code": "plurality_elected", "options": ["alvarez", "brooks", "chen"], "seats": 3}
    ]


def _result(definition: dict[str, Any], counts: list[int], blank: int, **kw: int) -> Any:
    manifest = ElectionManifest.from_definition(definition)
    return expected_result(
        definition,
        manifest,
        [OptionCounts(tuple(counts), blank)],
        **{"eligible": 10, "cast": 7, "challenged": 0, "sustained": 0, "overruled": 0, **kw},
    )


def test_quorum_is_measured_in_ballots_from_v2() -> None:
    """Seven ballots of ten eligible, fourteen marks: v2 counts seven towards a quorum."""
    d = delegates()
    d["rule"] = {"kind": "plurality", "quorum_fraction": "3/4"}
    outcome = _result(d, [5, 4, 3, 2], 1)["questions"][0]["outcome"]
    assert outcome["result"] == "no_quorum"
    assert outcome["reasons"] == [
        {
            "code": "quorum_fraction_missed",
            "turnout": 7,
            "eligible": 10,
            "fraction": "3/4",
            "needed": 8,
        }
    ]


def test_only_a_plurality_decides_several_marks_in_v2() -> None:
    d = delegates()
    d["rule"] = {"kind": "plurality_with_runoff"}
    with pytest.raises(RuleError, match="allows 3 \\(use plurality\\)"):
        _result(d, [5, 4, 3, 2], 1)
    # Version 1 had no plurality: a v1 definition naming it cannot be counted.
    old = {k: v for k, v in delegates().items() if k != "board_key"}
    with pytest.raises(RuleError, match="plurality is a rule of protocol v2"):
        _result(old, [5, 4, 3, 2], 1)


def test_v1_results_keep_their_sentences() -> None:
    result = _result(recognition_definition(), [4, 3], 0)
    assert result["format"] == "ballot/election-result/v1"
    assert result["questions"][0]["outcome"]["reasons"] == [
        "4 in favour is more than 1/2 of 7 valid votes"
    ]
