"""The record's lifecycle (PROTOCOL 11.2): withdrawn definitions, audited ballots, tally
rounds, certification and notes -- a passing record, and each rule broken on purpose."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ballot.crypto.ballots import tracker
from ballot.record.election_record import read_record
from ballot.record.synthetic import GeneratedRecord
from ballot.record.verify import main, verify_record

from .conftest import Entry, board, find, index_of, unused_alias
from .conftest import resign as resign_as_is


def resign(
    gen: GeneratedRecord,
    target: Path,
    edit: Callable[[list[Entry]], list[Entry]],
    *,
    recertify: bool = True,
    **members: Any,
) -> Path:
    """Re-sign an edited board as a dishonest server would: times kept in order (moved
    entries take their new neighbour's time) and, unless ``recertify`` is False, the
    certification re-pointed at the re-chained final result -- so the rule under test
    is the one that catches the edit."""
    from ballot.record.board import BoardEntry, append

    def edit_in_order(entries: list[Entry]) -> list[Entry]:
        edited = edit(entries)
        for before, after in itertools.pairwise(edited):
            after["at"] = max(before["at"], after["at"])
        if recertify:
            last: BoardEntry | None = None
            final = ""
            for e in edited:
                last = append(last, e["kind"], e["payload"], e["at"])
                if e["kind"] == "tally.result":
                    final = last.hash
                elif e["kind"] == "result.certified":
                    e["payload"]["result_hash"] = final
                    break
        return edited

    return resign_as_is(gen, target, edit_in_order, **members)


def failure(path: Path) -> tuple[str | None, str]:
    report = verify_record(path)
    assert not report.ok, "a tampered record must fail"
    assert report.failure is not None
    return report.failed_step, report.failure


def kinds(gen: GeneratedRecord) -> list[str]:
    return [e["kind"] for e in board(gen.path)]


# --------------------------------------------------------------------------- the good record


def test_the_full_lifecycle_verifies(full: GeneratedRecord) -> None:
    seen = kinds(full)
    assert seen[:4] == [
        "election.defined",
        "note.state",
        "ceremony.completed",
        "election.withdrawn",
    ]
    assert seen.count("election.defined") == 2 and seen.count("ballot.audited") == 2
    assert seen.count("tally.result") == 2 and seen[-2:] == ["result.certified", "note.state"]
    report = verify_record(full.path)
    assert report.ok, report.failure
    assert report.ballots == 12  # audited ballots are not ballots of the count
    result = report.result
    assert result is not None and result == full.result and full.rounds == 2
    assert result["questions"][0]["counts"] == {"yes": 6, "no": 5}
    assert (result["overruled"], result["sustained"], result["undecided"]) == (2, 1, 0)
    assert result["determinative"] is False
    assert result["questions"][0]["outcome"]["result"] == "approved"


def test_the_full_lifecycle_verifies_in_worker_processes(
    full: GeneratedRecord, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ballot.record.verify.run.POOL_THRESHOLD", 1)
    report = verify_record(full.path, jobs=2)
    assert report.ok, report.failure


def test_round_one_was_determinative_and_counted_fewer(full: GeneratedRecord) -> None:
    entries = board(full.path)
    first = entries[find(entries, "tally.result", round=1)]["payload"]["result"]
    assert first["determinative"] is True and first["undecided"] == 2
    assert first["questions"][0]["counts"] == {"yes": 6, "no": 4}
    partials = read_record(full.path).json("partials.json")
    assert {p["round"] for p in partials} == {2}


def test_audited_tracker_is_reported_as_spoiled(
    full: GeneratedRecord, capsys: pytest.CaptureFixture[str]
) -> None:
    report = verify_record(full.path, tracker=full.audit_trackers[1])
    assert report.ok and report.tracker is not None
    assert report.tracker.found and not report.tracker.counted
    entries = board(full.path)
    seq = find(entries, "ballot.audited", tracker=full.audit_trackers[1])
    assert report.tracker.message.endswith(
        f"was audited (spoiled) at entry {seq}; audited ballots are never counted"
    )
    assert main(full.path, full.audit_trackers[1], 1) == 1
    assert "audited (spoiled)" in capsys.readouterr().out


def test_challenge_overruled_after_the_count_is_counted_in_round_two(full: GeneratedRecord) -> None:
    report = verify_record(full.path, tracker=full.challenge_trackers["C-1"])
    assert report.tracker is not None and report.tracker.counted
    report = verify_record(full.path, tracker=full.challenge_trackers["C-2"])
    assert report.tracker is not None and not report.tracker.counted
    assert "sustained" in report.tracker.message


# --------------------------------------------------------------------------- definitions


def test_two_definitions_without_a_withdrawal(full: GeneratedRecord, tmp_path: Path) -> None:
    def unwithdraw(entries: list[Entry]) -> list[Entry]:
        del entries[index_of(entries, "election.withdrawn")]
        return entries

    step, message = failure(resign(full, tmp_path / "r.zip", unwithdraw))
    assert step == "board lifecycle"
    assert "a second 'election.defined' while the definition of board entry 0 is in force" in (
        message
    )


def test_withdrawal_naming_another_definition(full: GeneratedRecord, tmp_path: Path) -> None:
    def misname(entries: list[Entry]) -> list[Entry]:
        entries[index_of(entries, "election.withdrawn")]["payload"]["manifest_hash"] = "ab" * 32
        return entries

    step, message = failure(resign(full, tmp_path / "r.zip", misname))
    assert step == "board lifecycle"
    assert message.startswith("board entry 3 (election.withdrawn): withdraws manifest hash")


def test_withdrawal_after_the_election_opened(full: GeneratedRecord, tmp_path: Path) -> None:
    def late(entries: list[Entry]) -> list[Entry]:
        w = copy.deepcopy(entries[index_of(entries, "election.withdrawn")])
        entries.insert(index_of(entries, "election.opened") + 1, w)
        return entries

    step, message = failure(resign(full, tmp_path / "r.zip", late))
    assert step == "board lifecycle"
    assert "(election.withdrawn): the definition and its key ceremony cannot change once" in message


def test_ceremony_bound_to_a_withdrawn_definition(full: GeneratedRecord, tmp_path: Path) -> None:
    """The server reuses the withdrawn definition's keys for the new one."""
    entries = board(full.path)
    old = copy.deepcopy(entries[index_of(entries, "ceremony.completed", 0)])

    def reuse(entries: list[Entry]) -> list[Entry]:
        entries[index_of(entries, "ceremony.completed", 1)]["payload"] = old["payload"]
        return entries

    path = resign(full, tmp_path / "r.zip", reuse, ceremony_json=old["payload"]["transcript"])
    step, message = failure(path)
    assert step == "key ceremony"
    assert "is bound to the withdrawn definition of board entry 0" in message
    assert "not to the definition in force (board entry 5)" in message


def test_election_opened_without_a_ceremony_for_the_new_definition(
    full: GeneratedRecord, tmp_path: Path
) -> None:
    def drop(entries: list[Entry]) -> list[Entry]:
        del entries[index_of(entries, "ceremony.completed", 1)]
        return entries

    step, message = failure(resign(full, tmp_path / "r.zip", drop))
    assert step == "key ceremony"
    assert "no 'ceremony.completed' entry after the definition in force (board entry 5)" in message


def test_a_note_cannot_come_first(full: GeneratedRecord, tmp_path: Path) -> None:
    def note_first(entries: list[Entry]) -> list[Entry]:
        entries.insert(0, {**entries[1]})
        return entries

    step, message = failure(resign(full, tmp_path / "r.zip", note_first))
    assert step in ("definition", "board lifecycle")
    assert "board entry 0" in message


# --------------------------------------------------------------------------- audits


def test_audited_ballot_that_was_then_cast(full: GeneratedRecord, tmp_path: Path) -> None:
    """A device (or server) that casts the ballot the voter audited: the choice is public."""

    def cast_it(entries: list[Entry]) -> list[Entry]:
        i = index_of(entries, "ballot.audited", 1)
        spoiled = entries[i]["payload"]["audit"]["ballot"]
        new = copy.deepcopy(entries[i + 1])
        new["payload"] = {
            "ballot": spoiled,
            "tracker": tracker(spoiled),
            "alias": unused_alias(full, entries),
        }
        entries.insert(i + 2, new)
        entries[index_of(entries, "election.closed")]["payload"]["cast"] += 1
        return entries

    path = resign(full, tmp_path / "r.zip", cast_it)
    step, message = failure(path)
    audited = index_of(board(path), "ballot.audited", 1)
    assert step == "replay"
    assert f"(ballot.cast) reuses a ciphertext of the audited ballot of board entry {audited}" in (
        message
    )
    assert "must never be cast" in message


def test_audit_whose_opening_does_not_match(full: GeneratedRecord, tmp_path: Path) -> None:
    def lie(entries: list[Entry]) -> list[Entry]:
        secrets = entries[index_of(entries, "ballot.audited", 0)]["payload"]["audit"]["secrets"]
        secrets[0][0]["plaintext"] = 1 - secrets[0][0]["plaintext"]
        return entries

    path = resign(full, tmp_path / "r.zip", lie)
    step, message = failure(path)
    seq = index_of(board(path), "ballot.audited", 0)
    assert step == "ballots"
    assert message.startswith(f"board entry {seq} (ballot.audited): the audit does not check out")


def test_audit_with_another_tracker(full: GeneratedRecord, tmp_path: Path) -> None:
    def retrack(entries: list[Entry]) -> list[Entry]:
        entries[index_of(entries, "ballot.audited", 1)]["payload"]["tracker"] = "0" * 64
        return entries

    step, message = failure(resign(full, tmp_path / "r.zip", retrack))
    assert step == "ballots"
    assert "(ballot.audited): the tracker is not the SHA-256 of the audited ballot" in message


def test_audit_after_the_election_closed(full: GeneratedRecord, tmp_path: Path) -> None:
    def late(entries: list[Entry]) -> list[Entry]:
        a = entries.pop(index_of(entries, "ballot.audited", 0))
        entries.insert(index_of(entries, "election.closed") + 1, a)
        return entries

    step, message = failure(resign(full, tmp_path / "r.zip", late))
    assert step == "board lifecycle" and "(ballot.audited): a ballot after the election closed" in (
        message
    )


# --------------------------------------------------------------------------- rounds


def test_round_two_without_a_determinative_round_one(full: GeneratedRecord, tmp_path: Path) -> None:
    def not_determinative(entries: list[Entry]) -> list[Entry]:
        """Every challenge decided before round 1, which is not determinative; a second
        count anyway (e.g. hoping for another outcome)."""
        for cid in ("C-1", "C-2"):
            d = entries.pop(find(entries, "challenge.decided", challenge=cid))
            entries.insert(find(entries, "tally.encrypted", round=1), d)
        entries[find(entries, "tally.result", round=1)]["payload"]["result"]["determinative"] = (
            False
        )
        return entries

    step, message = failure(resign(full, tmp_path / "r.zip", not_determinative))
    assert step == "board lifecycle"
    assert "(tally.encrypted): a second round, but round 1's result (board entry" in message
    assert "does not say the challenges are determinative" in message


def test_round_one_falsely_called_determinative(tmp_path: Path) -> None:
    """The server claims determinative challenges to get a second count: the recomputed
    flag says otherwise."""
    from ballot.record.synthetic import Challenge, generate_record, recognition_definition

    votes = [[[0]]] * 8 + [[[1]]] * 2
    gen = generate_record(
        tmp_path / "g.zip",
        recognition_definition(),
        votes,
        challenges=[Challenge([[1]], None)],
    )

    def second(entries: list[Entry]) -> list[Entry]:
        result_at = index_of(entries, "tally.result")
        entries[result_at]["payload"]["result"]["determinative"] = True
        tail = copy.deepcopy(entries[index_of(entries, "tally.encrypted") : result_at + 1])
        decided = copy.deepcopy(entries[result_at])
        decided["kind"] = "challenge.decided"
        decided["payload"] = {"challenge": "C-1", "decision": "sustained", "reason": "r"}
        for e in tail:
            e["payload"]["round"] = 2
        tail[-1]["payload"]["result"].update(determinative=False, sustained=1, undecided=0)
        return [*entries, decided, *tail]

    step, message = failure(resign(gen, tmp_path / "r.zip", second))
    assert step == "outcome"
    assert message.startswith("determinative flag wrong: the challenges are not determinative")
    assert "(round 1, board entry" in message


def test_round_two_taken_with_a_challenge_undecided(full: GeneratedRecord, tmp_path: Path) -> None:
    def postpone(entries: list[Entry]) -> list[Entry]:
        d = entries.pop(find(entries, "challenge.decided", challenge="C-2"))
        entries.insert(find(entries, "tally.encrypted", round=2) + 1, d)
        return entries

    step, message = failure(resign(full, tmp_path / "r.zip", postpone))
    assert step == "board lifecycle"
    assert "round 2's tally is taken while challenge 'C-2' is undecided" in message


def test_challenge_decided_after_the_round_two_tally(full: GeneratedRecord, tmp_path: Path) -> None:
    def again(entries: list[Entry]) -> list[Entry]:
        d = copy.deepcopy(entries[find(entries, "challenge.decided", challenge="C-3")])
        entries.insert(find(entries, "tally.encrypted", round=2) + 1, d)
        return entries

    path = resign(full, tmp_path / "r.zip", again)
    step, message = failure(path)
    tally = find(board(path), "tally.encrypted", round=2)
    assert step == "board lifecycle"
    assert (
        f"(challenge.decided): a challenge decided after the final tally was taken (board "
        f"entry {tally}, round 2)"
    ) in message


def test_challenge_decided_after_a_final_round_one(
    recognition: GeneratedRecord, tmp_path: Path
) -> None:
    """Deciding the last challenge after a determinative count needs a round 2."""

    def decide(entries: list[Entry]) -> list[Entry]:
        d = copy.deepcopy(entries[index_of(entries, "challenge.decided")])
        d["payload"]["challenge"] = "C-3"
        entries.append(d)
        return entries

    step, message = failure(resign(recognition, tmp_path / "r.zip", decide))
    assert step == "board lifecycle"
    assert "challenge 'C-3' decided after the final tally was taken" in message
    assert "round 1); no later round counts it" in message


def test_round_two_tally_without_the_overruled_ballot(
    full: GeneratedRecord, tmp_path: Path
) -> None:
    def reuse(entries: list[Entry]) -> list[Entry]:
        first = entries[find(entries, "tally.encrypted", round=1)]["payload"]
        entries[find(entries, "tally.encrypted", round=2)]["payload"]["tally"] = first["tally"]
        return entries

    path = resign(full, tmp_path / "r.zip", reuse)
    step, message = failure(path)
    tally = find(board(path), "tally.encrypted", round=2)
    assert step == "encrypted tally"
    assert message == (
        f"ballot dropped from the tally: board entry {tally} (tally.encrypted) counts 10 "
        "ballots, but the board holds 11 counted ballots (9 cast, 2 overruled challenges)"
    )


def test_round_two_result_edited(full: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> list[Entry]:
        q = entries[find(entries, "tally.result", round=2)]["payload"]["result"]["questions"][0]
        q["counts"]["no"] -= 1
        return entries

    path = resign(full, tmp_path / "r.zip", edit)
    step, message = failure(path)
    at = find(board(path), "tally.result", round=2)
    assert step == "counts"
    assert message == (
        "result edited: decrypted count for 'no' (question 'represent') is 5, result says 4 "
        f"(round 2, board entry {at})"
    )


def test_partial_decryption_for_the_wrong_round(full: GeneratedRecord, tmp_path: Path) -> None:
    def relabel(entries: list[Entry]) -> list[Entry]:
        entries[find(entries, "tally.partial", round=2)]["payload"]["round"] = 1
        return entries

    step, message = failure(resign(full, tmp_path / "r.zip", relabel))
    assert step == "board lifecycle"
    assert "a partial decryption for round 1, but the tally awaiting decryption is round 2" in (
        message
    )


def test_a_round_two_result_cannot_be_followed_by_a_ballot_or_a_third_round(
    full: GeneratedRecord, tmp_path: Path
) -> None:
    def third(entries: list[Entry]) -> list[Entry]:
        t = copy.deepcopy(entries[find(entries, "tally.encrypted", round=2)])
        entries.insert(find(entries, "tally.result", round=2) + 1, t)
        return entries

    step, message = failure(resign(full, tmp_path / "r.zip", third))
    assert step == "board lifecycle"
    assert "a second round-2 tally" in message and "at most two rounds" in message


def test_convenience_copy_of_round_one_instead_of_the_final_round(
    full: GeneratedRecord, tmp_path: Path
) -> None:
    entries = board(full.path)
    first = entries[find(entries, "tally.result", round=1)]["payload"]["result"]
    step, message = failure(resign(full, tmp_path / "r.zip", lambda e: e, result_json=first))
    assert step == "convenience copies"
    assert "result.json differs from board entry" in message


# --------------------------------------------------------------------------- certification


def test_certification_of_another_result(full: GeneratedRecord, tmp_path: Path) -> None:
    def wrong(entries: list[Entry]) -> list[Entry]:
        first = entries[find(entries, "tally.result", round=1)]
        entries[index_of(entries, "result.certified")]["payload"]["result_hash"] = first["hash"]
        return entries

    path = resign(full, tmp_path / "r.zip", wrong, recertify=False)
    step, message = failure(path)
    at = find(board(path), "tally.result", round=2)
    assert step == "board lifecycle"
    assert "(result.certified): its result_hash is not the hash of the final result" in message
    assert f"(board entry {at})" in message


def test_certification_of_round_one(full: GeneratedRecord, tmp_path: Path) -> None:
    def wrong(entries: list[Entry]) -> list[Entry]:
        entries[index_of(entries, "result.certified")]["payload"]["round"] = 1
        return entries

    step, message = failure(resign(full, tmp_path / "r.zip", wrong))
    assert step == "board lifecycle"
    assert "certifies round 1, but the final round is 2" in message


def test_certified_twice(full: GeneratedRecord, tmp_path: Path) -> None:
    def twice(entries: list[Entry]) -> list[Entry]:
        entries.append(copy.deepcopy(entries[index_of(entries, "result.certified")]))
        return entries

    step, message = failure(resign(full, tmp_path / "r.zip", twice))
    assert step == "board lifecycle" and "a second 'result.certified' entry" in message


def test_only_notes_after_the_certification(full: GeneratedRecord, tmp_path: Path) -> None:
    def decide(entries: list[Entry]) -> list[Entry]:
        entries.append(copy.deepcopy(entries[find(entries, "challenge.decided")]))
        return entries

    step, message = failure(resign(full, tmp_path / "r.zip", decide))
    assert step == "board lifecycle"
    assert "only notes may follow the certification" in message


def test_only_certification_and_notes_after_the_final_result(
    recognition: GeneratedRecord, tmp_path: Path
) -> None:
    """A single-round record whose result is final: nothing but notes and the certification."""
    from ballot.record.synthetic import generate_record, recognition_definition

    gen = generate_record(tmp_path / "g.zip", recognition_definition(), [[[0]]] * 3)

    def late(entries: list[Entry]) -> list[Entry]:
        entries.append(copy.deepcopy(entries[index_of(entries, "tally.partial")]))
        return entries

    step, message = failure(resign(gen, tmp_path / "r.zip", late))
    assert step == "board lifecycle"
    assert "after the final result (board entry" in message
    assert "only 'result.certified' and notes may follow" in message


def test_notes_may_follow_the_result(recognition: GeneratedRecord, tmp_path: Path) -> None:
    def note(entries: list[Entry]) -> list[Entry]:
        n = copy.deepcopy(entries[-1])
        n["kind"], n["payload"] = "note.observer", {"text": "the count was watched"}
        entries.append(n)
        return entries

    report = verify_record(resign(recognition, tmp_path / "r.zip", note))
    assert report.ok, report.failure


def test_challenge_decided_while_round_one_is_being_decrypted(
    full: GeneratedRecord, tmp_path: Path
) -> None:
    """A round's result states the decisions as of its tally: none may come in between."""

    def early(entries: list[Entry]) -> list[Entry]:
        d = entries.pop(find(entries, "challenge.decided", challenge="C-1"))
        entries.insert(find(entries, "tally.partial", round=1), d)
        return entries

    step, message = failure(resign(full, tmp_path / "r.zip", early))
    assert step == "board lifecycle"
    assert "(challenge.decided): a challenge decided while the round-1 tally (board entry" in (
        message
    )


def test_certifying_a_result_whose_challenges_are_determinative(tmp_path: Path) -> None:
    """Round 1 says the two undecided challenged ballots could tie the vote; certifying
    that result without deciding them (and counting round 2) must fail."""
    from ballot.record.synthetic import Challenge, generate_record, recognition_definition

    votes = [[[0]]] * 5 + [[[1]]] * 4
    challenges = [Challenge([[1]]), Challenge([[1]])]
    path = tmp_path / "early.zip"
    generate_record(
        path,
        recognition_definition(),
        votes,
        challenges=challenges,
        eligible=20,
        certify="certified too early",
    )
    step, message = failure(path)
    assert step == "outcome"
    assert "(result.certified) certifies a result whose undecided challenged ballots" in message
