"""The mix-net of ranked races in a record (PROTOCOL 18): the honest record passes, and
every way a dishonest server (who holds the board key and re-signs) could bend the mix
fails, naming the entry, the race, the trustee, the position, the ballot or the rank."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from ballot.crypto.elgamal import Ciphertext
from ballot.crypto.group import Element, Scalar
from ballot.crypto.shuffle import reencrypt_item, shuffle_and_prove
from ballot.record.election_record import read_record
from ballot.record.mix import input_lists
from ballot.record.synthetic import GeneratedRecord, generate_record
from ballot.record.verify import main, verify_record
from ballot.record.verify.ranked_table import print_ranked
from ballot.record.verify.report import MIX_PENDING_NOTE, definition_labels

from .conftest import Entry, board, index_of
from .mix_support import (
    CHALLENGES,
    COMPLETED,
    PARTIAL,
    RESULT,
    SHUFFLED,
    VOTES,
    mix_check,
    mix_fails,
    nth,
    officers_3_of_4,
    seq_of,
    tampered,
)
from .test_lifecycle import resign

# --------------------------------------------------------------------------- the honest record


def test_the_honest_mix_verifies(officers: GeneratedRecord) -> None:
    president, council = mix_check(officers.path)
    assert (president.race, president.ballots) == ("president", 10)
    assert president.shufflers == council.shufflers == (2, 1, 3)
    assert president.decryptors == (1, 2, 3)
    assert president.count is not None and president.count["elected"] == ["alvarez"]
    assert council.count is not None and council.count["elected"] == ["ito", "jansen"]
    assert [r["action"] for r in council.count["rounds"]][:2] == ["first_preferences", "surplus"]


def test_the_ranked_races_are_printed_as_tables(officers: GeneratedRecord) -> None:
    record = read_record(officers.path)
    console = Console(record=True, width=160)
    print_ranked(
        console, mix_check(officers.path), definition_labels(record.json("definition.json"))
    )
    out = console.export_text()
    assert "President (president): 10 ballots; 3 shuffles by trustees 2, 1, 3 verified" in out
    assert "decrypted by trustees 1, 2, 3" in out
    assert "instant runoff, 1 seat: 10 ballots, 10 valid, 0 blank, 0 irregular" in out
    assert "Scottish STV, 2 seats" in out and "quota 4.00000" in out
    for header in ("round", "action", "from", "counts", "transfers", "exhausted", "elected"):
        assert header in out
    assert "surplus" in out and "exclusion" in out and "Dubois" in out
    assert "elected: Ito (ito), Jansen (jansen)" in out


def test_the_whole_verifier_passes_and_prints_the_rounds(
    officers: GeneratedRecord, capsys: pytest.CaptureFixture[str]
) -> None:
    report = verify_record(officers.path, jobs=1)
    assert report.ok, report.failure
    assert report.passed[-2:] == ["mix", "convenience copies"]
    assert main(officers.path, None, 1) == 0
    out = capsys.readouterr().out
    assert "3 shuffles by trustees 2, 1, 3 verified" in out and "elected: Alvarez" in out


def test_a_record_published_while_mixing_verifies_with_a_note(
    officers: GeneratedRecord, tmp_path: Path
) -> None:
    """Exported after the chain of shuffles: what it holds checks out, and it says the
    ranked races are not counted yet."""

    def cut(entries: list[Entry]) -> list[Entry]:
        return entries[: index_of(entries, COMPLETED) + 1]

    path = resign(officers, tmp_path / "mixing.zip", cut)
    report = verify_record(path, jobs=1)
    assert report.ok and MIX_PENDING_NOTE in report.notes, report.failure
    president, _ = report.ranked
    assert president.shufflers == (2, 1, 3) and president.count is None


# --------------------------------------------------------------------------- the shuffles


@pytest.mark.parametrize(
    ("position", "trustee", "race"),
    [(1, 2, "president"), (2, 1, "council"), (3, 3, "president"), (3, 3, "council")],
)
def test_one_ciphertext_of_a_shuffle_changed(
    officers: GeneratedRecord, tmp_path: Path, position: int, trustee: int, race: str
) -> None:
    def edit(entries: list[Entry]) -> None:
        ct = nth(entries, SHUFFLED, position - 1)["payload"]["races"][race]["output"][3][1]
        ct["alpha"], ct["beta"] = ct["beta"], ct["alpha"]

    path = tampered(officers, tmp_path, edit)
    seq = seq_of(board(officers.path), SHUFFLED, position - 1)
    mix_fails(
        path,
        f"board entry {seq} (mix.shuffled): trustee {trustee}, race '{race}', position {position}",
        "[proof]",
    )


def _drop_item(shuffle: dict[str, Any], i: int) -> None:
    """An item taken out of the output together with its parts of the proof."""
    shuffle["output"].pop(i)
    for key in ("permutation_commitments", "chain_commitments", "s_chain", "s_permutation"):
        shuffle["proof"][key].pop(i)


def test_an_item_dropped_from_a_shuffle(officers: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> None:
        _drop_item(nth(entries, SHUFFLED, 1)["payload"]["races"]["president"], 4)

    path = tampered(officers, tmp_path, edit)
    mix_fails(
        path,
        "trustee 1, race 'president', position 2",
        "the output has 9 items, the input 10 [length]",
    )


def test_an_item_duplicated_in_a_shuffle(officers: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> None:
        output = nth(entries, SHUFFLED, 0)["payload"]["races"]["council"]["output"]
        output[6] = copy.deepcopy(output[2])

    path = tampered(officers, tmp_path, edit)
    mix_fails(path, "trustee 2, race 'council', position 1", "output item 7 repeats", "[duplicate]")


def test_an_item_replaced_by_a_reencryption_of_itself(
    officers: GeneratedRecord, tmp_path: Path
) -> None:
    """Same plaintexts, new ciphertexts: the proof binds the exact output."""
    key = Element.from_hex(read_record(officers.path).json("ceremony.json")["joint_public_key"])

    def edit(entries: list[Entry]) -> None:
        output = nth(entries, SHUFFLED, 2)["payload"]["races"]["president"]["output"]
        item = tuple(Ciphertext.from_json(ct) for ct in output[0])
        again = reencrypt_item(item, key, [Scalar.random() for _ in item])
        output[0] = [ct.to_json() for ct in again]

    path = tampered(officers, tmp_path, edit)
    mix_fails(path, "trustee 3, race 'president', position 3", "[proof]")


def test_a_shuffle_moved_to_another_race(officers: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> None:
        races = nth(entries, SHUFFLED, 1)["payload"]["races"]
        races["president"], races["council"] = races["council"], races["president"]

    path = tampered(officers, tmp_path, edit)
    mix_fails(path, "trustee 1, race 'president', position 2", "[input]")


def test_a_shuffle_moved_to_another_position(officers: GeneratedRecord, tmp_path: Path) -> None:
    """The first two shuffles swapped, and mix.completed made to agree."""

    def edit(entries: list[Entry]) -> None:
        a, b = index_of(entries, SHUFFLED, 0), index_of(entries, SHUFFLED, 1)
        entries[a]["payload"], entries[b]["payload"] = entries[b]["payload"], entries[a]["payload"]
        nth(entries, COMPLETED)["payload"]["shufflers"] = [1, 2, 3]

    path = tampered(officers, tmp_path, edit)
    mix_fails(
        path, "trustee 1, race 'president', position 1", "made for position 2, not 1 [position]"
    )


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> GeneratedRecord:
    """The same officers' election run again under another id: another fingerprint."""
    definition = officers_3_of_4()
    definition["election_id"] = "officers-elsewhere"
    return generate_record(
        tmp_path_factory.mktemp("elsewhere") / "elsewhere.zip",
        definition,
        VOTES,
        challenges=CHALLENGES,
        eligible=20,
        k=3,
        n=4,
        shufflers=[2, 1, 3],
    )


def test_a_shuffle_from_another_election(
    officers: GeneratedRecord, elsewhere: GeneratedRecord, tmp_path: Path
) -> None:
    foreign = nth(board(elsewhere.path), SHUFFLED, 0)["payload"]["races"]["president"]

    def edit(entries: list[Entry]) -> None:
        nth(entries, SHUFFLED, 0)["payload"]["races"]["president"] = foreign

    path = tampered(officers, tmp_path, edit)
    mix_fails(path, "trustee 2, race 'president', position 1", "another election", "[election]")


def test_a_shuffle_that_leaves_out_the_overruled_ballot(
    officers: GeneratedRecord, tmp_path: Path
) -> None:
    """The first shuffler shuffles the cast ballots only, with a valid proof of that: the
    input list is derived from the board, so the overruled challenge cannot be left out."""
    record = read_record(officers.path)
    fp = bytes.fromhex(record.index["fingerprint"])
    key = Element.from_hex(record.json("ceremony.json")["joint_public_key"])
    entries = board(officers.path)

    class Item:
        def __init__(self, e: Entry) -> None:
            self.seq, self.kind, self.payload = e["seq"], e["kind"], e["payload"]

    cast_only = input_lists(record.json("definition.json"), [Item(e) for e in entries])["president"]
    assert len(cast_only) == 10
    short = shuffle_and_prove(fp, 1, key, cast_only[:9]).to_json()

    def edit(entries: list[Entry]) -> None:
        nth(entries, SHUFFLED, 0)["payload"]["races"]["president"] = short

    path = tampered(officers, tmp_path, edit)
    mix_fails(path, "trustee 2, race 'president', position 1", "is not the cast list [input]")


def test_a_shuffle_by_someone_who_is_not_a_trustee(
    officers: GeneratedRecord, tmp_path: Path
) -> None:
    def edit(entries: list[Entry]) -> None:
        nth(entries, SHUFFLED, 2)["payload"]["trustee"] = 7
        nth(entries, COMPLETED)["payload"]["shufflers"] = [2, 1, 7]

    path = tampered(officers, tmp_path, edit)
    mix_fails(
        path, f"board entry {seq_of(board(officers.path), SHUFFLED, 2)}", "7 is not a trustee"
    )


# --------------------------------------------------------------------------- decryption, count


def test_a_partial_decryption_with_a_bad_proof(officers: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> None:
        partials = nth(entries, PARTIAL, 1)["payload"]["races"]["council"]
        partials[5]["share"] = partials[6]["share"]

    path = tampered(officers, tmp_path, edit)
    seq = seq_of(board(officers.path), PARTIAL, 1)
    mix_fails(
        path,
        f"board entry {seq} (mix.partial): partial decryption of the mixed ballots is invalid",
        "trustee 2, race 'council'",
        "proof of correct partial decryption fails",
        "first at race 'council', mixed ballot 2, rank 2",
    )


def test_a_partial_decryption_out_of_list_order(officers: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> None:
        partials = nth(entries, PARTIAL, 0)["payload"]["races"]["president"]
        partials[0], partials[1] = partials[1], partials[0]

    path = tampered(officers, tmp_path, edit)
    mix_fails(path, "trustee 1, race 'president'", "in list order")


def test_a_decrypted_ballot_edited(officers: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> None:
        ballot = nth(entries, RESULT)["payload"]["races"]["president"]["ballots"][4]
        ballot[0] = "dubois" if ballot[0] != "dubois" else "chen"

    path = tampered(officers, tmp_path, edit)
    mix_fails(path, "race 'president': mixed ballot 5, rank 1 decrypts to", "mix.result says")


def test_a_count_round_edited(officers: GeneratedRecord, tmp_path: Path) -> None:
    published: dict[str, Any] = {}

    def edit(entries: list[Entry]) -> None:
        count = nth(entries, RESULT)["payload"]["races"]["council"]["count"]
        published.update(count["rounds"][1]["counts"])
        count["rounds"][1]["counts"]["jansen"] = "9.00000"

    path = tampered(officers, tmp_path, edit)
    mix_fails(
        path,
        "race 'council': count edited: round 2, counts, jansen is "
        f"{published['jansen']!r} by the recount, mix.result says '9.00000'",
    )


def test_the_winner_edited(officers: GeneratedRecord, tmp_path: Path) -> None:
    def edit(entries: list[Entry]) -> None:
        nth(entries, RESULT)["payload"]["races"]["president"]["count"]["elected"] = ["brooks"]

    path = tampered(officers, tmp_path, edit)
    mix_fails(path, "race 'president': count edited: elected 1 is 'alvarez' by the recount")
