"""verify_record on good records and on every tampering that matters, named precisely."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import pytest

from ballot.crypto.ballots import tracker, tracker_display
from ballot.record.election_record import canonical
from ballot.record.synthetic import GeneratedRecord
from ballot.record.verify import main, verify_record

from .conftest import (
    Entry,
    board,
    extra_ballot,
    index_of,
    lines_of,
    members,
    resign,
    rewrite_unsigned,
    unused_alias,
)


def failure(path: Path) -> tuple[str | None, str]:
    report = verify_record(path)
    assert not report.ok, "a tampered record must fail"
    assert report.failure is not None
    return report.failed_step, report.failure


def test_a_good_record_passes_every_check(recognition: GeneratedRecord) -> None:
    report = verify_record(recognition.path)
    assert report.ok, report.failure
    assert report.passed[0] == "record members" and report.passed[-1] == "convenience copies"
    assert report.ballots == 11  # 8 cast + 3 challenged
    result = report.result
    assert result is not None
    # the overruled challenge (a "no") is counted; sustained and undecided ones are not
    assert result["questions"][0]["counts"] == {"yes": 5, "no": 4}
    assert (result["counted"], result["challenged"], result["undecided"]) == (9, 3, 1)


def test_the_same_record_verifies_in_worker_processes(
    recognition: GeneratedRecord, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ballot.record.verify.run.POOL_THRESHOLD", 1)
    report = verify_record(recognition.path, jobs=2)
    assert report.ok, report.failure


def test_a_member_changed_without_fixing_the_index(
    recognition: GeneratedRecord, tmp_path: Path
) -> None:
    import zipfile

    data = members(recognition.path)
    target = tmp_path / "r.zip"
    with zipfile.ZipFile(recognition.path) as src, zipfile.ZipFile(target, "w") as dst:
        for name in src.namelist():
            body = src.read(name)
            dst.writestr(
                name, body.replace(b'"yes":5', b'"yes":6') if name == "result.json" else body
            )
    assert b'"yes":5' in data["result.json"]
    step, message = failure(target)
    assert step == "record members"
    assert "result.json does not match its SHA-256" in message


def test_board_reordered(recognition: GeneratedRecord, tmp_path: Path) -> None:
    entries = board(recognition.path)
    i = index_of(entries, "ballot.cast", 1)
    entries[i], entries[i + 1] = entries[i + 1], entries[i]
    path = rewrite_unsigned(recognition.path, tmp_path / "r.zip", board_jsonl=lines_of(entries))
    step, message = failure(path)
    assert step == "board chain"
    assert f"seq {i}" in message and "reordered" in message


def test_board_entry_altered_in_place(recognition: GeneratedRecord, tmp_path: Path) -> None:
    entries = board(recognition.path)
    i = index_of(entries, "ballot.cast", 2)
    entries[i]["payload"]["tracker"] = "0" * 64
    path = rewrite_unsigned(recognition.path, tmp_path / "r.zip", board_jsonl=lines_of(entries))
    step, message = failure(path)
    assert step == "board chain"
    assert f"seq {i}: its content does not match its hash (the entry was altered)" in message


def test_ballot_dropped_by_an_outsider(recognition: GeneratedRecord, tmp_path: Path) -> None:
    entries = board(recognition.path)
    i = index_of(entries, "ballot.cast", 3)
    del entries[i]
    path = rewrite_unsigned(recognition.path, tmp_path / "r.zip", board_jsonl=lines_of(entries))
    step, message = failure(path)
    assert step == "board chain"
    assert f"seq {i}: missing" in message


def _drop_a_cast(entries: list[Entry]) -> list[Entry]:
    del entries[index_of(entries, "ballot.cast", 3)]
    entries[index_of(entries, "election.closed")]["payload"]["cast"] -= 1
    return entries


def test_ballot_dropped_by_the_server(recognition: GeneratedRecord, tmp_path: Path) -> None:
    path = resign(recognition, tmp_path / "r.zip", _drop_a_cast)
    step, message = failure(path)
    assert step == "encrypted tally"
    assert message.startswith("ballot dropped from the board")
    assert "counts 9 ballots, but the board holds 8 counted ballots" in message


def test_ballot_added_to_the_tally_by_the_server(
    recognition: GeneratedRecord, tmp_path: Path
) -> None:
    from ballot.crypto.ballots import EncryptedBallot
    from ballot.crypto.tally import EncryptedTally

    stuffed = EncryptedBallot.from_json(extra_ballot(recognition, [[0]]))

    def stuff(entries: list[Entry]) -> list[Entry]:
        t = entries[index_of(entries, "tally.encrypted")]["payload"]
        tally = EncryptedTally.from_json(t["tally"])
        slot = tally.questions[0][0] + stuffed.questions[0].slots[0].ciphertext
        t["tally"] = EncryptedTally(tally.ballots + 1, ((slot,),)).to_json()
        return entries

    step, message = failure(resign(recognition, tmp_path / "r.zip", stuff))
    assert step == "encrypted tally"
    assert "added to the tally" in message
    assert "counts 10 ballots, but the board holds 9 counted ballots" in message


def test_ballot_appended_after_the_last_signature(
    recognition: GeneratedRecord, tmp_path: Path
) -> None:
    from ballot.record.board import BoardEntry, append

    entries = board(recognition.path)
    last = BoardEntry.from_json(entries[-1])
    ballot = extra_ballot(recognition, [[0]])
    extra = append(last, "ballot.cast", {"ballot": ballot, "tracker": tracker(ballot)}, last.at)
    entries.append(extra.to_json())
    path = rewrite_unsigned(recognition.path, tmp_path / "r.zip", board_jsonl=lines_of(entries))
    step, message = failure(path)
    assert step == "signed heads"
    assert "entries were added after the last signature" in message


def test_proof_altered(recognition: GeneratedRecord, tmp_path: Path) -> None:
    def alter(entries: list[Entry]) -> list[Entry]:
        i = index_of(entries, "ballot.cast", 2)
        proof = entries[i]["payload"]["ballot"]["questions"][0]["slots"][0]["proof"]
        proof["responses"][0] = proof["responses"][1]
        return entries

    path = resign(recognition, tmp_path / "r.zip", alter)
    step, message = failure(path)
    i = index_of(board(path), "ballot.cast", 2)
    assert step == "ballots"
    assert message.startswith(f"board entry {i} (ballot.cast): question 0 ('represent'), slot 0")
    assert "fails" in message


def test_ballot_for_another_election(recognition: GeneratedRecord, tmp_path: Path) -> None:
    def move(entries: list[Entry]) -> list[Entry]:
        i = index_of(entries, "ballot.cast", 0)
        entries[i]["payload"]["ballot"]["election"] = "ab" * 32
        return entries

    step, message = failure(resign(recognition, tmp_path / "r.zip", move))
    assert step == "ballots"
    assert "another election" in message


def test_tracker_that_is_not_the_hash_of_its_ballot(
    recognition: GeneratedRecord, tmp_path: Path
) -> None:
    def retrack(entries: list[Entry]) -> list[Entry]:
        entries[index_of(entries, "ballot.cast", 0)]["payload"]["tracker"] = "0" * 64
        return entries

    step, message = failure(resign(recognition, tmp_path / "r.zip", retrack))
    assert step == "ballots"
    assert "tracker is not the SHA-256 of its ballot" in message


def test_replayed_ballot(recognition: GeneratedRecord, tmp_path: Path) -> None:
    def replay(entries: list[Entry]) -> list[Entry]:
        i = index_of(entries, "ballot.cast", 0)
        copied = copy.deepcopy(entries[i])
        copied["at"] = entries[i + 2]["at"]
        copied["payload"]["alias"] = unused_alias(recognition, entries)
        entries.insert(i + 3, copied)
        entries[index_of(entries, "election.closed")]["payload"]["cast"] += 1
        return entries

    step, message = failure(resign(recognition, tmp_path / "r.zip", replay))
    assert step == "replay"
    assert "replays the ballot of entry" in message


def test_copied_question_with_a_new_tracker_is_caught_by_its_reused_ciphertext(
    tmp_path: Path,
) -> None:
    """The Cortier-Smyth copy: another voter's question 0 inside an otherwise fresh ballot.
    Every proof verifies and the tracker is new; only the reused alpha gives it away."""
    from ballot.record.synthetic import generate_record, recognition_definition

    definition = recognition_definition("two-questions")
    second = copy.deepcopy(definition["questions"][0])
    second["id"] = "supplement"
    definition["questions"].append(second)
    gen = generate_record(tmp_path / "two.zip", definition, [[[0], [1]]] * 3, eligible=10)

    def copy_question(entries: list[Entry]) -> list[Entry]:
        i = index_of(entries, "ballot.cast", 0)
        ballot = extra_ballot(gen, [[1], [1]])
        ballot["questions"][0] = copy.deepcopy(entries[i]["payload"]["ballot"]["questions"][0])
        new = copy.deepcopy(entries[i + 1])
        new["payload"] = {
            "ballot": ballot,
            "tracker": tracker(ballot),
            "alias": unused_alias(gen, entries),
        }
        entries.insert(i + 2, new)
        entries[index_of(entries, "election.closed")]["payload"]["cast"] += 1
        return entries

    step, message = failure(resign(gen, tmp_path / "r.zip", copy_question))
    assert step == "replay"
    assert "reuses a ciphertext of board entry" in message and "replayed ballot" in message


def test_partial_decryption_swapped(recognition: GeneratedRecord, tmp_path: Path) -> None:
    def swap(entries: list[Entry]) -> list[Entry]:
        first = entries[index_of(entries, "tally.partial", 0)]["payload"]
        second = entries[index_of(entries, "tally.partial", 1)]["payload"]
        first["partials"][0]["share"], second["partials"][0]["share"] = (
            second["partials"][0]["share"],
            first["partials"][0]["share"],
        )
        return entries

    step, message = failure(resign(recognition, tmp_path / "r.zip", swap))
    assert step == "partial decryptions"
    assert message.startswith("partial decryption of trustee 1 (board entry")
    assert "is invalid: the proof of correct partial decryption fails" in message


def test_partial_decryption_posted_under_another_trustee(
    recognition: GeneratedRecord, tmp_path: Path
) -> None:
    def borrow(entries: list[Entry]) -> list[Entry]:
        first = entries[index_of(entries, "tally.partial", 0)]["payload"]
        second = entries[index_of(entries, "tally.partial", 1)]["payload"]
        second["partials"] = copy.deepcopy(first["partials"])
        return entries

    step, message = failure(resign(recognition, tmp_path / "r.zip", borrow))
    assert step == "partial decryptions"
    assert "partial decryption of trustee 2" in message and "trustee 1's work" in message


def test_result_edited(recognition: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> list[Entry]:
        result = entries[-1]["payload"]["result"]
        result["questions"][0]["counts"]["yes"] += 1
        result["questions"][0]["valid"] += 1
        return entries

    edited = board(recognition.path)[-1]["payload"]["result"]
    edited["questions"][0]["counts"]["yes"] += 1
    path = resign(recognition, tmp_path / "r.zip", edit, result_json=edited)
    step, message = failure(path)
    assert step == "counts"
    assert message == (
        "result edited: decrypted count for 'yes' (question 'represent') is 5, result says 6"
    )


def test_outcome_edited(recognition: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> list[Entry]:
        outcome = entries[-1]["payload"]["result"]["questions"][0]["outcome"]
        outcome["result"] = "rejected"
        return entries

    step, message = failure(resign(recognition, tmp_path / "r.zip", edit))
    assert step == "outcome"
    assert message.startswith("outcome edited: question 'represent'")


def test_determinative_flag_edited(recognition: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> list[Entry]:
        result = entries[-1]["payload"]["result"]
        result["determinative"] = not result["determinative"]
        return entries

    step, message = failure(resign(recognition, tmp_path / "r.zip", edit))
    assert step == "outcome"
    assert message.startswith("determinative flag wrong")


def test_convenience_copy_that_disagrees_with_the_board(
    recognition: GeneratedRecord, tmp_path: Path
) -> None:
    data = members(recognition.path)
    result = json.loads(data["result.json"])
    result["questions"][0]["counts"]["yes"] = 99
    path = rewrite_unsigned(recognition.path, tmp_path / "r.zip", result_json=canonical(result))
    step, message = failure(path)
    assert step == "convenience copies"
    assert "result.json differs from board entry" in message


def test_sustained_challenged_ballot_counted(recognition: GeneratedRecord, tmp_path: Path) -> None:
    from ballot.crypto.ballots import EncryptedBallot
    from ballot.crypto.tally import EncryptedTally

    entries = board(recognition.path)
    sustained = next(
        e
        for e in entries
        if e["kind"] == "ballot.challenged" and e["payload"]["challenge"] == "C-2"
    )
    ct = EncryptedBallot.from_json(sustained["payload"]["ballot"]).questions[0].slots[0].ciphertext

    def include(entries: list[Entry]) -> list[Entry]:
        t = entries[index_of(entries, "tally.encrypted")]["payload"]
        tally = EncryptedTally.from_json(t["tally"])
        t["tally"] = EncryptedTally(tally.ballots, ((tally.questions[0][0] + ct,),)).to_json()
        return entries

    step, message = failure(resign(recognition, tmp_path / "r.zip", include))
    assert step == "encrypted tally"
    assert "includes challenged ballot 'C-2'" in message and "sustained" in message


def test_signature_altered(recognition: GeneratedRecord, tmp_path: Path) -> None:
    heads = json.loads(members(recognition.path)["heads.json"])
    sig = heads[-1]["signature"]
    heads[-1]["signature"] = ("0" if sig[0] != "0" else "1") + sig[1:]
    path = rewrite_unsigned(recognition.path, tmp_path / "r.zip", heads_json=canonical(heads))
    step, message = failure(path)
    assert step == "signed heads"
    assert "signature check failed" in message and "does not verify" in message


def test_heads_signed_by_another_key(recognition: GeneratedRecord, tmp_path: Path) -> None:
    from ballot.record.signing import ServerKey

    other = ServerKey.generate()
    key = {"algorithm": "ed25519", "public_key": other.public_hex}
    path = rewrite_unsigned(recognition.path, tmp_path / "r.zip", server_key_json=canonical(key))
    step, message = failure(path)
    assert step == "signed heads"
    assert "another key than the board key bound in the election definition" in message


def test_definition_changed_after_ballots_were_cast(
    recognition: GeneratedRecord, tmp_path: Path
) -> None:
    definition = json.loads(members(recognition.path)["definition.json"])
    definition["rule"] = "supermajority"
    path = rewrite_unsigned(
        recognition.path, tmp_path / "r.zip", definition_json=canonical(definition)
    )
    step, message = failure(path)
    assert step == "definition"
    assert "does not hash to the manifest hash" in message


def test_not_a_record(tmp_path: Path) -> None:
    path = tmp_path / "r.zip"
    path.write_bytes(b"not a zip")
    step, message = failure(path)
    assert step == "record members" and "not a readable election record" in message


# --------------------------------------------------------------------------- trackers


def test_tracker_found_and_counted(recognition: GeneratedRecord) -> None:
    wanted = recognition.trackers[4]
    report = verify_record(recognition.path, tracker=wanted)
    assert report.ok and report.tracker is not None
    assert report.tracker.found and report.tracker.counted
    assert "is included in the tally" in report.tracker.message


def test_tracker_found_by_its_short_form(recognition: GeneratedRecord) -> None:
    short = tracker_display(recognition.trackers[0]).lower()
    report = verify_record(recognition.path, tracker=short)
    assert report.tracker is not None and report.tracker.counted


def test_tracker_not_on_the_board(recognition: GeneratedRecord) -> None:
    report = verify_record(recognition.path, tracker=hashlib.sha256(b"x").hexdigest())
    assert report.ok and report.tracker is not None
    assert not report.tracker.found and "is NOT on the board" in report.tracker.message


def test_sustained_challenge_tracker_is_found_but_not_counted(recognition: GeneratedRecord) -> None:
    report = verify_record(recognition.path, tracker=recognition.challenge_trackers["C-2"])
    assert report.tracker is not None and report.tracker.found and not report.tracker.counted
    assert "sustained" in report.tracker.message and "NOT included" in report.tracker.message


def test_overruled_challenge_tracker_is_counted(recognition: GeneratedRecord) -> None:
    report = verify_record(recognition.path, tracker=recognition.challenge_trackers["C-1"])
    assert report.tracker is not None and report.tracker.counted


def test_cli_pass_and_fail(
    recognition: GeneratedRecord, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(recognition.path, recognition.trackers[0], 1) == 0
    out = capsys.readouterr().out
    assert "PASS" in out and "included in the tally" in out
    assert main(recognition.path, "0" * 64, 1) == 1
    assert "NOT on the board" in capsys.readouterr().out
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"junk")
    assert main(bad, None, 1) == 1
    assert "FAIL" in capsys.readouterr().out


@pytest.mark.parametrize("jobs", [1, 2])
def test_progress_is_reported(recognition: GeneratedRecord, jobs: int) -> None:
    seen: list[tuple[str, int, int]] = []
    assert verify_record(recognition.path, jobs=jobs, progress=lambda *a: seen.append(a)).ok
    assert ("ballots", 11, 11) in seen
