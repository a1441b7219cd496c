"""Subtotals per unit: pooled so none covers fewer than min_size ballots, verifiable end to end.

The record: min_size 3.  Cast: 'Local 12' 4 (3 yes, 1 no), 'Local 7' 3 (no), 'Local 99'
1 (yes); challenges: 'Local 12' overruled before the count (yes), 'Local 99' decided after
a determinative round 1 in the second record only.  'Local 99' alone is too small, so it
joins the other units' pool, which is then still too small (1 ballot) and takes the
smallest named unit, 'Local 7': published pools are 'Local 12' (5) and '' (4).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ballot.record.synthetic import (
    Challenge,
    GeneratedRecord,
    generate_record,
    recognition_definition,
)
from ballot.record.units import (
    OTHER_UNITS,
    SubtotalsError,
    pool_units,
    subtotal_min_size,
)
from ballot.record.verify import VerificationReport, verify_record

from .conftest import Entry, board, find, index_of, resign

YES, NO = [[0]], [[1]]


def _result(report: VerificationReport) -> Mapping[str, Any]:
    assert report.result is not None
    return report.result


def _definition(min_size: int = 3) -> dict[str, Any]:
    d = recognition_definition("units-test")
    d["subtotals"] = {"by": "unit", "min_size": min_size}
    return d


@pytest.fixture(scope="module")
def by_unit(tmp_path_factory: pytest.TempPathFactory) -> GeneratedRecord:
    path = tmp_path_factory.mktemp("units") / "units.zip"
    votes = [YES, YES, YES, NO, NO, NO, NO, YES]
    units = ["Local 12"] * 4 + ["Local 7"] * 3 + ["Local 99"]
    challenges = [Challenge(YES, "overruled", "agreed", unit="Local 12")]
    return generate_record(
        path, _definition(), votes, challenges=challenges, units=units, eligible=20
    )


def failure(path: Path) -> tuple[str | None, str]:
    report = verify_record(path)
    assert not report.ok, "a tampered record must fail"
    assert report.failure is not None
    return report.failed_step, report.failure


def test_subtotals_are_pooled_and_verify(by_unit: GeneratedRecord) -> None:
    report = verify_record(by_unit.path)
    assert report.ok, report.failure
    units = _result(report)["units"]
    assert [u["unit"] for u in units] == ["Local 12", OTHER_UNITS]
    assert [u["ballots"] for u in units] == [5, 4]
    assert units[0]["questions"][0]["counts"] == {"yes": 4, "no": 1}
    assert units[1]["questions"][0]["counts"] == {"yes": 1, "no": 3}
    assert "outcome" not in units[0]["questions"][0]
    # together they are the whole count
    assert _result(report)["questions"][0]["counts"] == {"yes": 5, "no": 4}
    entries = board(by_unit.path)
    assert entries[index_of(entries, "ballot.cast")]["payload"]["unit"] == "Local 12"


def test_no_subtotals_without_the_definition_asking(tmp_path: Path) -> None:
    gen = generate_record(tmp_path / "r.zip", recognition_definition(), [YES, NO], units=["a", "b"])
    report = verify_record(gen.path)
    assert report.ok, report.failure
    assert "units" not in _result(report)
    entries = board(gen.path)
    assert "unit" not in entries[index_of(entries, "ballot.cast")]["payload"]
    assert "units" not in entries[index_of(entries, "tally.encrypted")]["payload"]


def test_round_two_keeps_the_round_one_pools(tmp_path: Path) -> None:
    """Round 2 adds an overruled 'Local 99' ballot: it joins the same pool as in round 1,
    so subtracting the rounds exposes no unit smaller than min_size."""
    votes = [YES, YES, YES, NO, NO, NO]
    units = ["Local 12"] * 3 + ["Local 7"] * 3
    challenges = [
        Challenge(NO, "overruled", "on the payroll", after_count=True, unit="Local 99"),
        Challenge(YES, "sustained", "a supervisor", after_count=True, unit="Local 7"),
    ]
    gen = generate_record(
        tmp_path / "r.zip", _definition(), votes, challenges=challenges, units=units, eligible=9
    )
    assert gen.rounds == 2
    report = verify_record(gen.path)
    assert report.ok, report.failure
    # 'Local 99' could join the other units' pool in round 2, so round 1 already pooled the
    # smallest named unit ('Local 12' before 'Local 7' by label at equal size) into it
    entries = board(gen.path)
    tallies = [e["payload"] for e in entries if e["kind"] == "tally.encrypted"]
    assert [sorted(t["units"]) for t in tallies] == [["", "Local 7"], ["", "Local 7"]]
    assert [u["ballots"] for u in _result(report)["units"]] == [3, 4]


def test_nothing_published_when_no_unit_is_big_enough(tmp_path: Path) -> None:
    gen = generate_record(tmp_path / "r.zip", _definition(5), [YES, NO, YES], units=["a", "a", "b"])
    report = verify_record(gen.path)
    assert report.ok, report.failure
    assert _result(report)["units"] == []


# --------------------------------------------------------------------------- pooling rule


def test_pooling_rule_cases() -> None:
    assert pool_units({"a": 10, "b": 12, "c": 2}, ["a", "b", "c"], 10) == {
        "a": "",
        "b": "b",
        "c": "",
    }
    assert pool_units({"a": 10, "b": 12, "c": 10}, ["a", "b", "c"], 10) == {
        "a": "a",
        "b": "b",
        "c": "c",
    }
    # a challenged ballot of a unit with nothing in round 1 makes the other pool possible
    assert pool_units({"a": 10, "b": 12}, ["a", "b", "z"], 10) == {"a": "", "b": "b", "z": ""}
    assert pool_units({"a": 10, "c": 1}, ["a", "c"], 10) == {}
    assert pool_units({}, [], 10) == {}


@given(
    st.dictionaries(st.sampled_from(["", "a", "b", "c", "d"]), st.integers(0, 30)),
    st.integers(1, 12),
)
def test_no_published_pool_below_min_size(counts: dict[str, int], m: int) -> None:
    labels = [u for u, n in counts.items() if n > 0]
    mapping = pool_units({u: n for u, n in counts.items() if n > 0}, labels, m)
    pools: dict[str, int] = {}
    for unit, pool in mapping.items():
        pools[pool] = pools.get(pool, 0) + counts.get(unit, 0)
    assert all(n >= m for n in pools.values())
    assert mapping == {} or any(p != OTHER_UNITS for p in pools)
    assert all(mapping[u] in (u, OTHER_UNITS) for u in mapping)


def test_subtotals_definition_is_checked() -> None:
    assert subtotal_min_size({}) is None
    assert subtotal_min_size({"subtotals": {"by": "unit"}}) == 10
    bad: object
    for bad in ({"by": "unit", "min_size": 0}, {"by": "shop"}, {"by": "unit", "x": 1}, []):
        with pytest.raises(SubtotalsError):
            subtotal_min_size({"subtotals": bad})


# --------------------------------------------------------------------------- tampering


def _round_entries(entries: list[Entry], kind: str) -> list[Entry]:
    return [e for e in entries if e["kind"] == kind]


def test_unit_result_edited(by_unit: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> list[Entry]:
        unit = entries[-1]["payload"]["result"]["units"][0]
        unit["questions"][0]["counts"]["yes"] -= 1
        unit["questions"][0]["counts"]["no"] += 1
        return entries

    step, message = failure(resign(by_unit, tmp_path / "r.zip", edit))
    assert step == "counts"
    assert message.startswith("unit 'Local 12' subtotal edited: question 'represent' decrypts")


def test_unit_tallies_swapped(by_unit: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> list[Entry]:
        units = _round_entries(entries, "tally.encrypted")[0]["payload"]["units"]
        units["Local 12"], units[""] = units[""], units["Local 12"]
        return entries

    step, message = failure(resign(by_unit, tmp_path / "r.zip", edit))
    assert step == "encrypted tally"
    assert message.startswith("unit 'Local 12' subtotal edited:")


def test_small_unit_published(by_unit: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> list[Entry]:
        units = _round_entries(entries, "tally.encrypted")[0]["payload"]["units"]
        units["Local 99"] = copy.deepcopy(units[""])
        return entries

    step, message = failure(resign(by_unit, tmp_path / "r.zip", edit))
    assert step == "encrypted tally"
    assert "pooling units below 3 ballots gives ['', 'Local 12']" in message


def test_ballot_relabelled_to_another_unit(by_unit: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> list[Entry]:
        entries[find(entries, "ballot.cast", unit="Local 7")]["payload"]["unit"] = "Local 12"
        return entries

    step, message = failure(resign(by_unit, tmp_path / "r.zip", edit))
    assert step == "encrypted tally"
    assert message.startswith("unit 'Local 12' subtotal edited:")


def test_ballot_without_its_unit(by_unit: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> list[Entry]:
        del entries[index_of(entries, "ballot.cast")]["payload"]["unit"]
        return entries

    step, message = failure(resign(by_unit, tmp_path / "r.zip", edit))
    assert step == "board lifecycle"
    assert "payload must have ['ballot', 'tracker', 'unit']" in message


def test_unit_partial_swapped_between_units(by_unit: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> list[Entry]:
        units = _round_entries(entries, "tally.partial")[0]["payload"]["units"]
        units["Local 12"], units[""] = units[""], units["Local 12"]
        return entries

    step, message = failure(resign(by_unit, tmp_path / "r.zip", edit))
    assert step == "partial decryptions"
    assert message.startswith("partial decryption of trustee 1 (board entry")
    assert "for unit 'Local 12' is invalid" in message


def test_unit_partial_missing(by_unit: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> list[Entry]:
        del _round_entries(entries, "tally.partial")[1]["payload"]["units"][""]
        return entries

    step, message = failure(resign(by_unit, tmp_path / "r.zip", edit))
    assert step == "partial decryptions"
    assert "partial decryption of trustee 2" in message and "unit decryptions" in message


def test_subtotals_removed_from_the_result(by_unit: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> list[Entry]:
        del entries[-1]["payload"]["result"]["units"]
        return entries

    step, message = failure(resign(by_unit, tmp_path / "r.zip", edit))
    assert step == "counts"
    assert "'units' is not a list of subtotals" in message


def test_subtotals_verify_in_worker_processes(
    by_unit: GeneratedRecord, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ballot.record.verify.run.POOL_THRESHOLD", 1)
    report = verify_record(by_unit.path, jobs=2)
    assert report.ok, report.failure
    assert [u["ballots"] for u in _result(report)["units"]] == [5, 4]


def test_cli_prints_the_subtotals(
    by_unit: GeneratedRecord, capsys: pytest.CaptureFixture[str]
) -> None:
    from ballot.record.verify import main

    assert main(by_unit.path, None, 1) == 0
    out = capsys.readouterr().out
    assert "Local 12 (5 ballots) represent: Yes (yes) 4, No (no) 1" in out
    assert "other units (4 ballots) represent: Yes (yes) 1, No (no) 3" in out
