"""The order of the mix-net's entries (PROTOCOL 18.7, step 'board lifecycle'): each rule
broken by a dishonest server that re-signs the board fails, naming the entry."""

from __future__ import annotations

import copy
from pathlib import Path

from ballot.record.synthetic import GeneratedRecord
from ballot.record.verify import verify_record

from .conftest import Entry, board, index_of
from .mix_support import (
    COMPLETED,
    PARTIAL,
    RESULT,
    SHUFFLED,
    mix_fails,
    mix_failure,
    nth,
    pointed,
    seq_of,
    tampered,
)
from .test_lifecycle import resign


def test_completed_before_k_shuffles(officers: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> None:
        del entries[index_of(entries, SHUFFLED, 2)]
        nth(entries, COMPLETED)["payload"]["shufflers"] = [2, 1]

    path = tampered(officers, tmp_path, edit)
    mix_fails(
        path,
        "(mix.completed): the chain is completed after 2 shuffle(s), but it needs k = 3",
        step="board lifecycle",
    )


def test_completed_naming_other_shufflers(officers: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> None:
        nth(entries, COMPLETED)["payload"]["shufflers"] = [1, 2, 3]

    path = tampered(officers, tmp_path, edit)
    mix_fails(
        path, "names the shufflers [1, 2, 3]", "by trustees [2, 1, 3]", step="board lifecycle"
    )


def test_a_second_shuffle_by_the_same_trustee(officers: GeneratedRecord, tmp_path: Path) -> None:
    entries = board(officers.path)
    first = seq_of(entries, SHUFFLED, 0)

    def edit(entries: list[Entry]) -> None:
        nth(entries, SHUFFLED, 2)["payload"]["trustee"] = 2
        nth(entries, COMPLETED)["payload"]["shufflers"] = [2, 1, 2]

    path = tampered(officers, tmp_path, edit)
    mix_fails(
        path,
        f"a second shuffle by trustee 2 (the first is board entry {first})",
        step="board lifecycle",
    )


def test_a_shuffle_beyond_k(officers: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> None:
        extra = copy.deepcopy(nth(entries, SHUFFLED, 2))
        extra["payload"]["trustee"] = 4
        entries.insert(index_of(entries, COMPLETED), extra)

    path = tampered(officers, tmp_path, edit)
    mix_fails(
        path, "a shuffle beyond the k = 3", "must follow the 3rd shuffle", step="board lifecycle"
    )


def test_a_shuffle_after_the_chain_is_complete(officers: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> None:
        extra = copy.deepcopy(nth(entries, SHUFFLED, 2))
        extra["payload"]["trustee"] = 4
        entries.insert(index_of(entries, COMPLETED) + 1, extra)

    path = tampered(officers, tmp_path, edit)
    mix_fails(path, "a shuffle after the chain was completed", step="board lifecycle")


def test_the_mix_before_the_final_result(officers: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> None:
        shuffle = entries.pop(index_of(entries, SHUFFLED, 0))
        entries.insert(index_of(entries, "tally.result"), shuffle)

    path = tampered(officers, tmp_path, edit)
    mix_fails(path, "(mix.shuffled): comes before any 'tally.result' entry", step="board lifecycle")


def test_a_second_partial_by_the_same_trustee(officers: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> None:
        entries.insert(index_of(entries, RESULT), copy.deepcopy(nth(entries, PARTIAL, 0)))

    path = tampered(officers, tmp_path, edit)
    mix_fails(
        path,
        "a second partial decryption of the mixed ballots by trustee 1",
        step="board lifecycle",
    )


def test_the_result_after_too_few_partials(officers: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> None:
        del entries[index_of(entries, PARTIAL, 2)]

    path = tampered(officers, tmp_path, edit)
    mix_fails(path, "decrypted by 2 trustee(s), but at least k = 3", step="board lifecycle")


def test_a_partial_after_the_result(officers: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> None:
        late = copy.deepcopy(nth(entries, PARTIAL, 2))
        late["payload"]["trustee"] = 4
        entries.insert(index_of(entries, RESULT) + 1, late)

    path = tampered(officers, tmp_path, edit)
    mix_fails(path, "comes after the mix's result", step="board lifecycle")


def test_certification_before_the_mix_result(officers: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> None:
        certified = entries.pop(index_of(entries, "result.certified"))
        entries.insert(index_of(entries, SHUFFLED), certified)

    path = tampered(officers, tmp_path, edit)
    mix_fails(
        path,
        "(result.certified): the election has ranked races, and their result ('mix.result') "
        "is not on the board yet",
        step="board lifecycle",
    )


def test_no_mix_in_an_election_without_ranked_races(
    recognition: GeneratedRecord, officers: GeneratedRecord, tmp_path: Path
) -> None:
    shuffled = nth(board(officers.path), SHUFFLED, 0)

    def edit(entries: list[Entry]) -> None:
        entries.append({**shuffled, "at": entries[-1]["at"]})

    path = tampered(recognition, tmp_path, edit)
    step, message = mix_failure(path)
    assert step == "board lifecycle"
    assert "(mix.shuffled): the election has no ranked race" in message
    assert verify_record(path, jobs=1).failure == message


def test_the_certification_still_names_the_final_tally_result(
    officers: GeneratedRecord, tmp_path: Path
) -> None:
    """A certification of the mix's result instead is refused."""
    entries = board(officers.path)
    mix_result_hash = entries[index_of(entries, RESULT)]["hash"]
    path = resign(
        officers, tmp_path / "pointed.zip", lambda e: pointed(e, mix_result_hash), recertify=False
    )
    mix_fails(path, "is not the hash of the final result", step="board lifecycle")
