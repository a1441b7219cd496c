"""Revoting in the record (PROTOCOL 11.10): the last ballot of an alias counts, verified.

Honest records with revoting on verify and count each member's last ballot; records a
dishonest server re-signed fail naming the cause: a replaced ballot summed into the
tally, closing counts that hide the replacements, a challenged ballot replaced, two
ballots of one alias where revoting is off.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from ballot.crypto.ballots import EncryptedBallot, tracker, tracker_display
from ballot.crypto.manifest import ElectionManifest
from ballot.crypto.tally import aggregate
from ballot.record.election_record import read_record
from ballot.record.kinds import Kind
from ballot.record.synthetic import Challenge, GeneratedRecord, generate_record
from ballot.record.synthetic import recognition_definition as _recognition
from ballot.record.verify import verify_record

from .conftest import Entry, board, extra_ballot, index_of, resign

YES, NO = [[0]], [[1]]


def recognition(revoting: bool | None) -> dict[str, Any]:
    definition = _recognition("revoting-test")
    if revoting is not None:
        definition["revoting"] = revoting
    return definition


@pytest.fixture(scope="module")
def revoted(tmp_path_factory: pytest.TempPathFactory) -> GeneratedRecord:
    """Four members vote yes, one no; member 0 then votes no, and member 1 twice more
    (no, then yes): counted 3 yes, 2 no; three ballots replaced; one challenge."""
    path = tmp_path_factory.mktemp("revoting") / "revoted.zip"
    return generate_record(
        path,
        recognition(True),
        [YES, YES, YES, YES, NO],
        challenges=[Challenge(YES, "sustained")],
        revotes=[(0, NO), (1, NO), (1, YES)],
        eligible=8,
    )


def failure(path: Path) -> tuple[str | None, str]:
    report = verify_record(path, jobs=1)
    assert not report.ok, "a tampered record must fail"
    assert report.failure is not None
    return report.failed_step, report.failure


def test_with_revoting_each_members_last_ballot_counts(revoted: GeneratedRecord) -> None:
    report = verify_record(revoted.path, jobs=1)
    assert report.ok, report.failure
    result = report.result
    assert result is not None
    assert result["questions"][0]["counts"] == {"yes": 3, "no": 2}
    assert (result["cast"], result["replaced"], result["counted"]) == (8, 3, 5)
    closed = next(e for e in board(revoted.path) if e["kind"] == Kind.CLOSED)["payload"]
    assert closed == {"cast": 8, "challenged": 1, "counted": 5, "replaced": 3}


def test_a_replaced_tracker_is_reported_replaced_not_counted(revoted: GeneratedRecord) -> None:
    first, last = revoted.trackers[0], revoted.trackers[5]  # member 0's two ballots
    report = verify_record(revoted.path, jobs=1, tracker=tracker_display(first))
    assert report.ok and report.tracker is not None
    assert report.tracker.found and report.tracker.replaced and not report.tracker.counted
    assert "replaced by a later ballot of the same member" in report.tracker.message
    latest = verify_record(revoted.path, jobs=1, tracker=last).tracker
    assert latest is not None and latest.counted and not latest.replaced


def _cast_payloads(entries: list[Entry]) -> list[dict[str, Any]]:
    return [e["payload"] for e in entries if e["kind"] == Kind.CAST]


def test_a_tally_that_counts_a_replaced_ballot_fails_naming_it(
    revoted: GeneratedRecord, tmp_path: Path
) -> None:
    """The server summed every ``ballot.cast`` instead of each alias's last one."""
    record = read_record(revoted.path)
    manifest = ElectionManifest.from_definition(record.json("definition.json"))

    def everything(entries: list[Entry]) -> list[Entry]:
        ballots = [EncryptedBallot.from_json(p["ballot"]) for p in _cast_payloads(entries)]
        tally = entries[index_of(entries, Kind.TALLY)]["payload"]
        tally["tally"] = aggregate(manifest, ballots).to_json()
        tally["counted"]["cast"] = len(ballots)
        return entries

    step, message = failure(resign(revoted, tmp_path / "t.zip", everything))
    seq = index_of(board(revoted.path), Kind.CAST, 0)
    assert step == "encrypted tally"
    assert f"it counts the replaced ballot of board entry {seq}" in message
    assert "only the last ballot of each alias counts" in message


def test_one_replaced_ballot_counted_instead_of_the_last_fails(
    revoted: GeneratedRecord, tmp_path: Path
) -> None:
    """Same number of ballots, but member 0's first ballot summed in place of its last."""
    record = read_record(revoted.path)
    manifest = ElectionManifest.from_definition(record.json("definition.json"))

    def swapped(entries: list[Entry]) -> list[Entry]:
        cast = _cast_payloads(entries)
        # Counted: members 2, 3, 4 (first ballots), 0 and 1 (their last); swap 0's.
        chosen = [cast[0], cast[2], cast[3], cast[4], cast[7]]
        ballots = [EncryptedBallot.from_json(p["ballot"]) for p in chosen]
        entries[index_of(entries, Kind.TALLY)]["payload"]["tally"] = aggregate(
            manifest, ballots
        ).to_json()
        return entries

    step, message = failure(resign(revoted, tmp_path / "s.zip", swapped))
    assert step == "encrypted tally"
    assert "does not equal the homomorphic sum" in message or "replaced ballot" in message


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda p: p.pop("replaced"), "missing key(s) ['replaced']"),
        (lambda p: p.update(counted=p["cast"]), "5 counted"),
        (lambda p: p.update(replaced=0, counted=8), "3 replaced"),
    ],
)
def test_closing_counts_that_hide_replacements_fail(
    revoted: GeneratedRecord, tmp_path: Path, change: Any, words: str
) -> None:
    def edit(entries: list[Entry]) -> list[Entry]:
        change(entries[index_of(entries, Kind.CLOSED)]["payload"])
        return entries

    step, message = failure(resign(revoted, tmp_path / "c.zip", edit))
    assert step == "board lifecycle"
    assert words in message


def test_a_result_that_hides_replacements_fails(revoted: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> list[Entry]:
        result = entries[index_of(entries, Kind.RESULT)]["payload"]["result"]
        result["replaced"] = 0
        return entries

    path = resign(revoted, tmp_path / "r.zip", edit)
    step, message = failure(path)
    assert step == "counts"
    assert "replaced" in message


def test_a_challenged_ballot_is_never_replaced(revoted: GeneratedRecord, tmp_path: Path) -> None:
    def replace_challenged(entries: list[Entry]) -> list[Entry]:
        at = index_of(entries, Kind.CHALLENGED)
        alias = entries[at]["payload"]["alias"]
        ballot = extra_ballot(revoted, NO)
        closing = index_of(entries, Kind.CLOSED)
        again = {**copy.deepcopy(entries[closing - 1]), "kind": str(Kind.CAST)}
        again["payload"] = {"ballot": ballot, "tracker": tracker(ballot), "alias": alias}
        entries.insert(closing, again)
        return entries

    step, message = failure(resign(revoted, tmp_path / "x.zip", replace_challenged))
    assert step == "board lifecycle"
    assert "a challenged ballot is never replaced" in message


@pytest.mark.parametrize("setting", [None, False])
def test_without_revoting_a_second_ballot_of_an_alias_fails(
    setting: bool | None, tmp_path: Path
) -> None:
    honest = generate_record(tmp_path / "off.zip", recognition(setting), [YES, YES, NO])
    assert verify_record(honest.path, jobs=1).ok

    def twice(entries: list[Entry]) -> list[Entry]:
        first = entries[index_of(entries, Kind.CAST, 0)]
        ballot = extra_ballot(honest, NO)
        closing = index_of(entries, Kind.CLOSED)
        again = {**copy.deepcopy(first), "at": entries[closing - 1]["at"]}
        again["payload"] = {**first["payload"], "ballot": ballot, "tracker": tracker(ballot)}
        entries.insert(closing, again)
        entries[index_of(entries, Kind.CLOSED)]["payload"]["cast"] += 1
        return entries

    step, message = failure(resign(honest, tmp_path / "twice.zip", twice))
    assert step == "board lifecycle"
    assert "a second counted ballot for alias" in message
    assert "does not allow revoting" in message


def test_unit_subtotals_count_each_members_last_ballot(tmp_path: Path) -> None:
    """Pools (PROTOCOL 10.5) are made of the counted ballots: a replaced one is in none."""
    definition = {**recognition(True), "subtotals": {"by": "unit", "min_size": 2}}
    gen = generate_record(
        tmp_path / "units.zip",
        definition,
        [YES, YES, NO, NO],
        units=["North", "North", "South", "South"],
        revotes=[(0, NO), (2, YES)],
    )
    report = verify_record(gen.path, jobs=1)
    assert report.ok, report.failure
    assert report.result is not None
    units = {u["unit"]: u["questions"][0]["counts"] for u in report.result["units"]}
    assert units == {"North": {"yes": 1, "no": 1}, "South": {"yes": 1, "no": 1}}
