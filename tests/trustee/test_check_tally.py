"""The trustee's own check of a tally against a board it was handed (no server needed).

The board here is built with the record layer's own ``append``, so it is exactly the
published form the tool downloads; each test changes one thing a dishonest server might.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from ballot.crypto.ballots import encrypt_ballot
from ballot.crypto.ceremony import TrusteeShare, local_ceremony
from ballot.crypto.group import Element
from ballot.crypto.manifest import ElectionManifest, election_fingerprint, manifest_hash
from ballot.crypto.tally import aggregate
from ballot.record.board import BoardEntry, append
from ballot.record.synthetic import recognition_definition
from ballot.trustee.decrypt import TallyRefused, check_tally

AT = datetime(2026, 5, 9, 17, 0, tzinfo=UTC)


@dataclass
class Board:
    entries: list[BoardEntry]
    shares: list[TrusteeShare]
    manifest: ElectionManifest
    ballots: dict[str, Any]  # name -> ballot JSON

    def add(self, kind: str, payload: dict[str, Any]) -> BoardEntry:
        entry = append(self.entries[-1] if self.entries else None, kind, payload, AT)
        self.entries.append(entry)
        return entry

    def tally(self, names: list[str], overruled: list[str], round_: int = 1) -> dict[str, Any]:
        from ballot.crypto.ballots import EncryptedBallot

        summed = aggregate(
            self.manifest, [EncryptedBallot.from_json(self.ballots[n]) for n in names]
        )
        cast = sum(1 for n in names if n.startswith("cast"))
        payload = {
            "round": round_,
            "tally": summed.to_json(),
            "counted": {"cast": cast, "overruled": overruled},
        }
        entry = self.add("tally.encrypted", payload)
        return {
            "round": round_,
            "seq": entry.seq,
            "entry_hash": entry.hash,
            "tally": payload["tally"],
            "counted": payload["counted"],
            "labels": ["q0/s0"],
            "trustees": {"k": 2, "n": 3},
            "submitted": [],
        }


@pytest.fixture(scope="module")
def keyed() -> tuple[dict[str, Any], dict[str, Any], list[TrusteeShare]]:
    definition = recognition_definition()
    transcript, blobs = local_ceremony(2, 3, manifest_hash(definition))
    return definition, transcript, [TrusteeShare.from_bytes(b) for b in blobs]


def board_with_votes(keyed: Any, tamper: Any = None) -> Board:
    definition, transcript, shares = keyed
    mh = manifest_hash(definition)
    manifest = ElectionManifest.from_definition(definition)
    vkeys = [Element.from_hex(transcript["verification_keys"][str(i)]) for i in (1, 2, 3)]
    key = shares[0].joint_public_key
    fp = election_fingerprint(mh, key, vkeys)
    board = Board([], shares, manifest, {})
    board.add("election.defined", {"definition": definition, "manifest_hash": mh.hex()})
    board.add("ceremony.completed", {"transcript": transcript, "fingerprint": fp.hex()})
    board.add("roll.frozen", {"eligible": 5})
    board.add("election.opened", {})
    for name, choice in (("cast1", 0), ("cast2", 0), ("cast3", 1), ("chal1", 1), ("chal2", 0)):
        ballot = encrypt_ballot(manifest, key, fp, [[choice]])[0].to_json()
        board.ballots[name] = ballot
        if name.startswith("cast"):
            board.add("ballot.cast", {"ballot": ballot, "tracker": "ab" * 32})
        else:
            board.add(
                "ballot.challenged", {"challenge": name, "ballot": ballot, "tracker": "cd" * 32}
            )
    cast = 3
    if tamper is not None:  # a dishonest server adds one more "ballot" before closing
        board.ballots["cast4"] = tamper(board, manifest, key, fp)
        board.add("ballot.cast", {"ballot": board.ballots["cast4"], "tracker": "ef" * 32})
        cast = 4
    board.add("election.closed", {"cast": cast, "challenged": 2})
    return board


def test_the_honest_tally_passes(keyed: Any) -> None:
    board = board_with_votes(keyed)
    info = board.tally(["cast1", "cast2", "cast3"], [])
    checked = check_tally(board.entries, info, board.shares[1])
    assert checked.ballots == 3 and list(checked.labelled) == ["q0/s0"]


def test_a_challenge_overruled_before_the_tally_is_counted_an_undecided_one_is_not(
    keyed: Any,
) -> None:
    board = board_with_votes(keyed)
    board.add("challenge.decided", {"challenge": "chal1", "decision": "overruled", "reason": "ok"})
    info = board.tally(["cast1", "cast2", "cast3", "chal1"], ["chal1"])
    assert check_tally(board.entries, info, board.shares[0]).ballots == 4

    board = board_with_votes(keyed)
    board.add("challenge.decided", {"challenge": "chal1", "decision": "overruled", "reason": "ok"})
    sneaky = board.tally(["cast1", "cast2", "cast3", "chal1", "chal2"], ["chal1"])
    with pytest.raises(TallyRefused, match="counts 5 ballots"):
        check_tally(board.entries, sneaky, board.shares[0])


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda info: info.update(entry_hash="00" * 32), "not the encrypted tally"),
        (lambda info: info.update(seq=2), "not the encrypted tally"),
        (lambda info: info.update(seq=999), "not on the public board"),
        (lambda info: info.update(counted={"cast": 2, "overruled": []}), "summary differs"),
        (lambda info: info.update(labels=["q1/s0"]), "slot labels"),
    ],
)
def test_what_the_server_sends_must_be_what_the_board_holds(
    keyed: Any, change: Any, reason: str
) -> None:
    board = board_with_votes(keyed)
    info = board.tally(["cast1", "cast2", "cast3"], [])
    change(info)
    with pytest.raises(TallyRefused, match=reason):
        check_tally(board.entries, info, board.shares[0])


def test_a_dropped_ballot_is_refused(keyed: Any) -> None:
    board = board_with_votes(keyed)
    info = board.tally(["cast1", "cast2"], [])  # the tally entry itself is short a ballot
    with pytest.raises(TallyRefused, match="public board holds 3 counted ballots"):
        check_tally(board.entries, info, board.shares[0])


def test_a_key_of_another_election_is_refused(keyed: Any) -> None:
    board = board_with_votes(keyed)
    info = board.tally(["cast1", "cast2", "cast3"], [])
    other = recognition_definition("another-election")
    _, blobs = local_ceremony(2, 3, manifest_hash(other))
    with pytest.raises(TallyRefused, match="another election"):
        check_tally(board.entries, info, TrusteeShare.from_bytes(blobs[0]))


def test_a_copied_ballot_is_refused_before_decrypting(keyed: Any) -> None:
    """A verbatim copy of cast1 has valid proofs; counting it twice would let the sum
    expose cast1's choice, so the tool refuses and names both entries."""
    board = board_with_votes(keyed, lambda b, *_: b.ballots["cast1"])
    info = board.tally(["cast1", "cast2", "cast3", "cast4"], [])
    with pytest.raises(TallyRefused, match=r"board entry 9 reuses a ciphertext of board entry 4"):
        check_tally(board.entries, info, board.shares[0])


@pytest.mark.parametrize("parallel", [False, True], ids=["in-process", "worker-processes"])
def test_a_ballot_with_a_bad_proof_is_refused_before_decrypting(
    keyed: Any, parallel: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if parallel:  # large boards are checked on every core: same verdict
        monkeypatch.setattr("ballot.trustee.counted.PARALLEL_FROM", 1)

    def fifty_votes(board: Board, manifest: Any, key: Any, fp: bytes) -> dict[str, Any]:

        from ballot.crypto.group import Scalar, base_mul

        ballot = encrypt_ballot(manifest, key, fp, [[0]])[0]
        # Add 49 * B to beta: the ciphertext now encrypts 50, its proof says [0, 1].
        beta = ballot.questions[0].slots[0].ciphertext.beta + base_mul(Scalar(49))
        data: dict[str, Any] = dict(ballot.to_json())
        data["questions"][0]["slots"][0]["beta"] = beta.hex()
        return data

    board = board_with_votes(keyed, fifty_votes)
    info = board.tally(["cast1", "cast2", "cast3", "cast4"], [])
    with pytest.raises(TallyRefused, match=r"board entry 9 is not a valid ballot"):
        check_tally(board.entries, info, board.shares[0])
