"""Records of elections with races (PROTOCOL 10.1, 11.2, 11.3): each ballot checked with
its entry's unit layout, each race summed over the ballots that carry it, a ranked race
carried but never summed; tampering with units, counts of a unit's ballots and entries an
election with races cannot have is caught and named."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from ballot.record.synthetic import Challenge, GeneratedRecord, generate_record
from ballot.record.verify import verify_record
from tests.support.races import races_definition

from .conftest import Entry, find, index_of, resign

#: (unit, choices per race on that unit's ballot): president, the unit's stewards, board.
VOTES: list[tuple[str, list[list[int]]]] = [
    ("North", [[0], [0, 1], [2, 0]]),
    ("North", [[1], [0], [1]]),
    ("South", [[0], [2], []]),
    ("South", [[0], [1, 2], [3, 2, 1]]),
    ("East", [[2], [0, 1, 2]]),
    ("", [[0], []]),
]


@pytest.fixture(scope="module")
def races(tmp_path_factory: pytest.TempPathFactory) -> GeneratedRecord:
    """Six ballots of four layouts, a challenged South ballot overruled before the count,
    an audit (a ballot without unit)."""
    path = tmp_path_factory.mktemp("races") / "races.zip"
    return generate_record(
        path,
        races_definition(),
        [choices for _, choices in VOTES],
        units=[unit for unit, _ in VOTES],
        challenges=[Challenge([[1], [0], [0]], "overruled", "agreed", unit="South")],
        audits=[[[2], [1]]],
        eligible=12,
    )


@pytest.fixture(scope="module")
def ranked_only(tmp_path_factory: pytest.TempPathFactory) -> GeneratedRecord:
    """Every race ranked: the round's tally holds no ciphertext and nobody decrypts."""
    d = races_definition("ranked-only")
    d["questions"] = [q for q in d["questions"] if q.get("ranked")]
    path = tmp_path_factory.mktemp("races") / "ranked.zip"
    return generate_record(path, d, [[[0, 1]], [[2]], [[]]], eligible=5)


def test_a_record_with_races_verifies(races: GeneratedRecord) -> None:
    report = verify_record(races.path, jobs=1)
    assert report.ok, report.failure
    result = report.result
    assert result is not None
    president, north, south = result["questions"]
    assert [q["id"] for q in result["questions"]] == ["president", "north", "south"]
    assert (north["ballots"], south["ballots"]) == (2, 3)
    assert president["counts"] == {
        "president-alvarez": 4,
        "president-brooks": 2,
        "president-cho": 1,
    }
    assert north["counts"] == {"north-nadia": 2, "north-noor": 1, "north-nils": 0}
    assert south["counts"] == {"south-sam": 1, "south-sara": 1, "south-soren": 2}
    assert result["counted"] == 7


def test_a_record_of_ranked_races_only_verifies_without_partial_decryptions(
    ranked_only: GeneratedRecord,
) -> None:
    report = verify_record(ranked_only.path, jobs=1)
    assert report.ok, report.failure
    assert report.result is not None and report.result["questions"] == []


def _failure(gen: GeneratedRecord, tmp_path: Path, edit: Any) -> tuple[str | None, str]:
    report = verify_record(resign(gen, tmp_path / "tampered.zip", edit), jobs=1)
    assert not report.ok
    return report.failed_step, " ".join((report.failure or "").split())


def _move(entries: list[Entry], kind: str, old: str, new: str) -> int:
    i = find(entries, kind, unit=old)
    entries[i]["payload"]["unit"] = new
    return i


def test_a_ballot_moved_to_another_unit_fails_its_proofs(
    races: GeneratedRecord, tmp_path: Path
) -> None:
    moved: list[int] = []

    def edit(entries: list[Entry]) -> list[Entry]:
        moved.append(_move(entries, "ballot.cast", "North", "South"))
        return entries

    step, why = _failure(races, tmp_path, edit)
    assert step == "ballots"
    assert f"board entry {moved[0]} (ballot.cast): question 2 ('south')" in why


def test_a_ballot_moved_to_a_unit_without_races_has_the_wrong_shape(
    races: GeneratedRecord, tmp_path: Path
) -> None:
    step, why = _failure(
        races, tmp_path, lambda es: (_move(es, "ballot.cast", "East", "North"), es)[1]
    )
    assert step == "ballots" and "the ballot has 2 questions, the election 3" in why


def test_an_audit_names_the_unit_of_its_layout(races: GeneratedRecord, tmp_path: Path) -> None:
    step, why = _failure(
        races, tmp_path, lambda es: (_move(es, "ballot.audited", "", "North"), es)[1]
    )
    assert step == "ballots" and "the audit does not check out" in why

    def unnamed(entries: list[Entry]) -> list[Entry]:
        del entries[index_of(entries, "ballot.audited")]["payload"]["unit"]
        return entries

    step, why = _failure(races, tmp_path, unnamed)
    assert step == "board lifecycle" and "payload must have ['audit', 'tracker', 'unit']" in why


def test_a_ballot_entry_must_name_its_unit(races: GeneratedRecord, tmp_path: Path) -> None:
    def unnamed(entries: list[Entry]) -> list[Entry]:
        del entries[index_of(entries, "ballot.cast")]["payload"]["unit"]
        return entries

    step, why = _failure(races, tmp_path, unnamed)
    assert step == "board lifecycle" and "'unit'" in why


def test_a_races_ballot_count_must_be_its_units(races: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> list[Entry]:
        entries[index_of(entries, "tally.encrypted")]["payload"]["tally"]["questions"][1][
            "ballots"
        ] = 3
        return entries

    step, why = _failure(races, tmp_path, edit)
    assert step == "encrypted tally"
    assert "question 'north' (a race of unit 'North') counts 3 ballots" in why
    assert "the board holds 2 counted ballots of that unit" in why


def test_a_ranked_race_summed_into_the_tally_is_refused(
    races: GeneratedRecord, tmp_path: Path
) -> None:
    def edit(entries: list[Entry]) -> list[Entry]:
        questions = entries[index_of(entries, "tally.encrypted")]["payload"]["tally"]["questions"]
        questions[3]["slots"] = copy.deepcopy(questions[0]["slots"])
        return entries

    step, why = _failure(races, tmp_path, edit)
    assert step == "encrypted tally" and "a ranked race is never summed" in why


def test_a_per_unit_races_ballots_in_the_result_are_checked(
    races: GeneratedRecord, tmp_path: Path
) -> None:
    def edit(entries: list[Entry]) -> list[Entry]:
        entries[index_of(entries, "tally.result")]["payload"]["result"]["questions"][2][
            "ballots"
        ] = 4
        return entries

    step, why = _failure(races, tmp_path, edit)
    assert step == "counts" and "question 'south' ballots is 3, result says 4" in why


def test_a_partial_decryption_of_a_tally_without_ciphertext_is_refused(
    ranked_only: GeneratedRecord, tmp_path: Path
) -> None:
    at: list[int] = []

    def edit(entries: list[Entry]) -> list[Entry]:
        i = index_of(entries, "tally.result")
        partial = {"round": 1, "trustee": 1, "partials": []}
        entries.insert(i, {"kind": "tally.partial", "at": entries[i]["at"], "payload": partial})
        at.append(i)
        return entries

    step, why = _failure(ranked_only, tmp_path, edit)
    assert step == "partial decryptions"
    assert f"board entry {at[0]} (tally.partial): the round-1 tally holds no ciphertext" in why


def test_a_paper_count_in_an_election_with_races_is_refused(
    races: GeneratedRecord, tmp_path: Path
) -> None:
    def edit(entries: list[Entry]) -> list[Entry]:
        i = index_of(entries, "election.closed") + 1
        count = {"aliases": [races.aliases[-1]], "ballots": 1, "questions": []}
        entries.insert(i, {"kind": "paper.count", "at": entries[i - 1]["at"], "payload": count})
        return entries

    step, why = _failure(races, tmp_path, edit)
    assert step == "board lifecycle"
    assert "the definition has a ranked or per-unit race" in why and "no paper ballots" in why
