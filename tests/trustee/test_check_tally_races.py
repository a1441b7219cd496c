"""The trustee's check of a tally with races (PROTOCOL 10.1): each ballot verified with
its entry's unit layout, each race summed over the ballots that carry it, n_q as the board
gives it, a ranked race never summed; only the choose questions are decrypted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from ballot.crypto.ballots import encrypt_ballot
from ballot.crypto.ceremony import TrusteeShare, local_ceremony
from ballot.crypto.group import Element
from ballot.crypto.manifest import ElectionManifest, election_fingerprint, manifest_hash
from ballot.crypto.tally import aggregate_units
from ballot.record.board import BoardEntry, append
from ballot.trustee.decrypt import TallyRefused, check_tally
from tests.support.races import races_definition

AT = datetime(2026, 5, 9, 17, 0, tzinfo=UTC)
BOARD_KEY = {"algorithm": "ed25519", "public_key": "00" * 32}
#: (unit, choices per race on that unit's ballot): president, the unit's stewards, board.
VOTES = [
    ("North", [[0], [0, 1], [2]]),
    ("South", [[1], [2], [0, 1]]),
    ("South", [[0], [1], []]),
    ("East", [[2], [3]]),
]


@pytest.fixture(scope="module")
def keyed() -> tuple[dict[str, Any], dict[str, Any], list[TrusteeShare]]:
    definition = {**races_definition("races-trustee"), "board_key": BOARD_KEY}
    transcript, blobs = local_ceremony(2, 3, manifest_hash(definition))
    return definition, transcript, [TrusteeShare.from_bytes(b) for b in blobs]


def board_and_info(
    keyed: Any,
    units: list[str] | None = None,
    tally: dict[str, Any] | None = None,
    edit: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[list[BoardEntry], dict[str, Any], list[TrusteeShare]]:
    """The board with VOTES (``units``: the unit each entry names), and the tally info the
    server would send (``tally``: another tally than the honest one; ``edit``: a change to
    the honest one)."""
    definition, transcript, shares = keyed
    mh = manifest_hash(definition)
    manifest = ElectionManifest.from_definition(definition)
    vkeys = [Element.from_hex(transcript["verification_keys"][str(i)]) for i in (1, 2, 3)]
    key = shares[0].joint_public_key
    fp = election_fingerprint(mh, key, vkeys)
    entries: list[BoardEntry] = []

    def add(kind: str, payload: dict[str, Any]) -> BoardEntry:
        entries.append(append(entries[-1] if entries else None, kind, payload, AT))
        return entries[-1]

    add("election.defined", {"definition": definition, "manifest_hash": mh.hex()})
    add("ceremony.completed", {"transcript": transcript, "fingerprint": fp.hex()})
    add("roll.frozen", {"eligible": 5})
    add("election.opened", {})
    cast = []
    named = units or [unit for unit, _ in VOTES]
    for i, ((unit, choices), label) in enumerate(zip(VOTES, named, strict=True)):
        ballot = encrypt_ballot(manifest, key, fp, choices, unit=unit)[0]
        cast.append((unit, ballot))
        add("ballot.cast", {"ballot": ballot.to_json(), "tracker": f"{i:064x}", "unit": label})
    add("election.closed", {"cast": len(VOTES), "challenged": 0})
    summed = tally or aggregate_units(manifest, cast).to_json()
    if edit is not None:
        edit(summed)
    payload: dict[str, Any] = {
        "round": 1,
        "tally": summed,
        "counted": {"cast": len(VOTES), "overruled": []},
    }
    entry = add("tally.encrypted", payload)
    info = {
        "round": 1,
        "seq": entry.seq,
        "entry_hash": entry.hash,
        "tally": payload["tally"],
        "counted": payload["counted"],
    }
    return entries, info, shares


def test_an_honest_tally_of_races_passes_and_only_choose_questions_are_decrypted(
    keyed: Any,
) -> None:
    entries, info, shares = board_and_info(keyed)
    checked = check_tally(entries, info, shares[0])
    # president: 2 slots; North's and South's stewards: 3 each; the ranked board: none.
    assert sorted(checked.labelled) == sorted(
        ["q0/s0", "q0/s1", "q1/s0", "q1/s1", "q1/s2", "q2/s0", "q2/s1", "q2/s2"]
    )
    assert checked.ballots == 4


def test_a_ballot_named_with_another_unit_is_refused(keyed: Any) -> None:
    entries, info, shares = board_and_info(keyed, units=["South", "South", "South", "East"])
    with pytest.raises(TallyRefused, match=r"board entry 4 is not a valid ballot"):
        check_tally(entries, info, shares[0])


def test_a_races_ballot_count_that_is_not_the_boards_is_refused(keyed: Any) -> None:
    def forge(tally: dict[str, Any]) -> None:
        tally["questions"][2]["ballots"] = 1

    entries, info, shares = board_and_info(keyed, edit=forge)
    with pytest.raises(TallyRefused, match=r"says 1 ballots carry question 3 .* but 2 of"):
        check_tally(entries, info, shares[0])
