"""Paper envelopes and hand counts on the board (PROTOCOL 11.11): each rule fails by name.

A synthetic v2 record (8 cast, 3 challenged, 30 eligible) is edited and re-signed with
its board key, as a dishonest server could: envelopes and counts are put where they do
not belong.  Each edit fails the ``board lifecycle`` step naming the entry and the alias.
The passing case, with the result adding online and paper, is the end-to-end test
(``tests/e2e/test_channels.py``); the pure rules of a hand count are tested here too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ballot.crypto.manifest import QuestionSpec
from ballot.election.paper import PaperCountError, check_question
from ballot.record.election_record import read_record
from ballot.record.kinds import Kind
from ballot.record.synthetic import GeneratedRecord
from ballot.record.units import envelope_pools
from ballot.record.verify import verify_record

from .conftest import Entry, index_of, resign, unused_alias

YES_NO = QuestionSpec("q", ("yes", "no"), 1, 1)


def _entry(kind: str, at: str, payload: dict[str, Any]) -> Entry:
    return {"kind": kind, "at": at, "payload": payload}


def _insert(entries: list[Entry], before: str, *new: Entry) -> list[Entry]:
    at = index_of(entries, before)
    timed = [dict(e, at=entries[at - 1]["at"]) for e in new]
    return entries[:at] + timed + entries[at:]


def _count(aliases: list[str], yes: int, no: int, blank: int = 0) -> Entry:
    payload = {
        "aliases": sorted(aliases),
        "ballots": len(aliases),
        "questions": [{"id": "represent", "counts": {"yes": yes, "no": no}, "blank": blank}],
    }
    return _entry(Kind.PAPER_COUNT, "", payload)


def _fails(gen: GeneratedRecord, tmp_path: Path, edit: Any) -> str:
    target = resign(gen, tmp_path / "paper.zip", edit)
    report = verify_record(target, jobs=1)
    assert not report.ok
    assert report.failed_step == "board lifecycle", report.failure
    return str(report.failure)


def _question_id(gen: GeneratedRecord) -> str:
    return str(read_record(gen.path).json("definition.json")["questions"][0]["id"])


def test_a_ballot_after_the_envelope_is_refused(
    recognition: GeneratedRecord, tmp_path: Path
) -> None:
    def edit(entries: list[Entry]) -> list[Entry]:
        first = index_of(entries, Kind.CAST)
        alias = entries[first]["payload"]["alias"]
        received = _entry(Kind.PAPER_RECEIVED, "", {"alias": alias})
        return _insert(entries, Kind.CAST, received)

    said = _fails(recognition, tmp_path, edit)
    assert "paper envelope was received at board entry" in said
    assert "no online ballot may be cast on it after that" in said


def test_an_envelope_after_a_ballot_must_be_set_aside(
    recognition: GeneratedRecord, tmp_path: Path
) -> None:
    def edit(entries: list[Entry]) -> list[Entry]:
        alias = entries[index_of(entries, Kind.CAST)]["payload"]["alias"]
        return _insert(entries, Kind.CLOSED, _entry(Kind.PAPER_RECEIVED, "", {"alias": alias}))

    said = _fails(recognition, tmp_path, edit)
    assert "already voted" in said and "must be set aside unopened" in said


def test_a_set_aside_envelope_needs_a_vote_before_it(
    recognition: GeneratedRecord, tmp_path: Path
) -> None:
    def edit(entries: list[Entry]) -> list[Entry]:
        alias = unused_alias(recognition, entries)
        return _insert(entries, Kind.CLOSED, _entry(Kind.PAPER_SET_ASIDE, "", {"alias": alias}))

    assert "has neither a ballot nor an envelope received" in _fails(recognition, tmp_path, edit)


def test_every_envelope_is_counted_before_the_tally(
    recognition: GeneratedRecord, tmp_path: Path
) -> None:
    def edit(entries: list[Entry]) -> list[Entry]:
        alias = unused_alias(recognition, entries)
        return _insert(entries, Kind.CLOSED, _entry(Kind.PAPER_RECEIVED, "", {"alias": alias}))

    said = _fails(recognition, tmp_path, edit)
    assert "is in no paper count" in said and "before the tally is taken" in said


def test_a_paper_count_of_an_alias_without_an_envelope_or_after_the_tally(
    recognition: GeneratedRecord, tmp_path: Path
) -> None:
    qid = _question_id(recognition)

    def no_envelope(entries: list[Entry]) -> list[Entry]:
        alias = unused_alias(recognition, entries)
        count = _count([alias], 1, 0)
        count["payload"]["questions"][0]["id"] = qid
        return _insert(entries, Kind.TALLY, count)

    said = _fails(recognition, tmp_path, no_envelope)
    assert "no envelope was received for it" in said

    def late(entries: list[Entry]) -> list[Entry]:
        alias = unused_alias(recognition, entries)
        entries = _insert(entries, Kind.CLOSED, _entry(Kind.PAPER_RECEIVED, "", {"alias": alias}))
        count = _count([alias], 1, 0)
        count["payload"]["questions"][0]["id"] = qid
        return _insert(entries, Kind.PARTIAL, count)

    said = _fails(recognition, tmp_path, late)
    assert "is in no paper count" in said  # the tally came first: the envelope was uncounted


def test_a_v1_board_takes_no_paper_entries(tmp_path: Path) -> None:
    from ballot.record.synthetic import generate_record, recognition_definition

    gen = generate_record(
        tmp_path / "v1.zip", recognition_definition(), [[[0]]] * 2, eligible=5, version=1
    )

    def edit(entries: list[Entry]) -> list[Entry]:
        return _insert(entries, Kind.CLOSED, _entry(Kind.PAPER_SET_ASIDE, "", {"alias": "x"}))

    assert "a protocol-v2 entry on a v1 board" in _fails(gen, tmp_path, edit)


@pytest.mark.parametrize(
    ("counts", "blank", "ballots", "why"),
    [
        ({"yes": 2, "no": 1}, 0, 2, "add up to 3, but 2 envelopes were counted"),
        ({"yes": 1, "no": 0}, 3, 2, "3 blank ballots, but only 2 envelopes"),
        ({"yes": 1}, 0, 1, "must name exactly its options"),
        ({"yes": 1, "no": -1}, 0, 0, "whole numbers"),
        ({"yes": True, "no": 0}, 0, 1, "whole numbers"),
    ],
)
def test_a_hand_count_that_cannot_come_from_its_envelopes(
    counts: dict[str, Any], blank: int, ballots: int, why: str
) -> None:
    with pytest.raises(PaperCountError, match=why):
        check_question(YES_NO, counts, blank, ballots)


def test_a_hand_count_of_several_marks_per_ballot() -> None:
    seats = QuestionSpec("s", ("a", "b", "c"), 1, 2)
    check_question(seats, {"a": 3, "b": 2, "c": 1}, 0, 3)  # 3 ballots, 6 marks: at most 2 each
    check_question(seats, {"a": 1, "b": 1, "c": 0}, 1, 3)  # 2 marked ballots, one mark each
    with pytest.raises(PaperCountError, match="hold 2 to 4 marks, the counts add up to 5"):
        check_question(seats, {"a": 2, "b": 2, "c": 1}, 1, 3)
    with pytest.raises(PaperCountError, match="option 'a' has 3 votes from 2 marked ballots"):
        check_question(seats, {"a": 3, "b": 0, "c": 0}, 1, 3)


def test_envelopes_are_pooled_by_their_units_as_subtotals_are() -> None:
    """PROTOCOL 11.11: 10.5's pooling over the envelopes' own units; no subtotals, one pool."""
    units = {"A": "North", "B": "North", "C": "North", "D": "South", "E": "South", "F": ""}
    assert envelope_pools(units, None) == dict.fromkeys(units, "")
    # North (3) and South (2) reach 2; the other pool ("" only) has 1 < 2, so the smallest
    # named unit, South, joins it.
    assert envelope_pools(units, 2) == {
        "A": "North",
        "B": "North",
        "C": "North",
        "D": "",
        "E": "",
        "F": "",
    }
    assert envelope_pools(units, 4) == dict.fromkeys(units, "")  # no unit reaches 4
