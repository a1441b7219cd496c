from __future__ import annotations

import json

import pytest

from ballot.record.board import BoardEntry, ChainError, append
from ballot.record.canonical import canonical_json
from ballot.record.chain import GENESIS
from ballot.record.signing import (
    ServerKey,
    SignatureError,
    SignedHead,
    find_equivocation,
    sign_head,
    verify_head,
    verify_head_against_board,
    verify_head_sequence,
    verify_signature,
)

AT = "2026-11-24T16:00:00Z"


def board(n: int, tag: str = "") -> list[BoardEntry]:
    out: list[BoardEntry] = []
    prev = None
    for i in range(n):
        prev = append(prev, "ballot.cast", {"i": i, "tag": tag}, AT)
        out.append(prev)
    return out


def at(second: int) -> str:
    return f"2026-11-24T16:00:{second:02d}Z"


@pytest.fixture(scope="module")
def key() -> ServerKey:
    return ServerKey.generate()


def test_key_round_trip_and_repr_hides_secret(key: ServerKey) -> None:
    raw = key.to_private_bytes()
    again = ServerKey.from_private_bytes(raw)
    assert again.public_hex == key.public_hex and len(key.public_hex) == 64
    assert raw.hex() not in repr(key)
    with pytest.raises(ValueError):
        ServerKey.from_private_bytes(b"short")


def test_sign_and_verify(key: ServerKey) -> None:
    sig = key.sign_hex(b"message")
    assert key.sign(b"message").hex() == sig  # Ed25519 is deterministic
    verify_signature(key.public_hex, b"message", sig)
    with pytest.raises(SignatureError, match="does not verify"):
        verify_signature(key.public_hex, b"messagE", sig)
    with pytest.raises(SignatureError, match="does not verify"):
        verify_signature(ServerKey.generate().public_hex, b"message", sig)
    with pytest.raises(SignatureError):
        verify_signature(key.public_hex, b"message", sig.upper())
    with pytest.raises(SignatureError):
        verify_signature(key.public_hex, b"message", "zz")
    with pytest.raises(SignatureError):
        verify_signature("00" * 31, b"message", sig)


def test_signed_message_is_documented_shape(key: ServerKey) -> None:
    entries = board(3)
    head = sign_head(key, "e1", entries[-1], AT)
    assert head.prev == GENESIS and head.seq == 2 and head.head_hash == entries[-1].hash
    expected = canonical_json(
        {
            "type": "ballot.board.head",
            "election": "e1",
            "seq": 2,
            "head": entries[-1].hash,
            "at": AT,
            "prev": GENESIS,
        }
    )
    assert head.message() == expected
    verify_signature(key.public_hex, expected, head.signature)
    assert SignedHead.from_json(json.loads(json.dumps(head.to_json()))) == head


def test_head_sequence_chains(key: ServerKey) -> None:
    entries = board(6)
    h0 = sign_head(key, "e1", entries[1], at(0))
    h1 = sign_head(key, "e1", entries[3], at(5), previous=h0)
    h2 = sign_head(key, "e1", entries[3], at(9), previous=h1)  # nothing new: re-signed
    h3 = sign_head(key, "e1", entries[5], at(9), previous=h2)
    verify_head_sequence([h0, h1, h2, h3], key.public_hex)
    verify_head_sequence([h2, h3], key.public_hex, from_start=False)
    with pytest.raises(SignatureError, match="first"):
        verify_head_sequence([h2, h3], key.public_hex)
    with pytest.raises(SignatureError, match="signed head 2 does not chain"):
        verify_head_sequence([h0, h1, h3], key.public_hex)
    with pytest.raises(SignatureError, match="signed head 1"):
        verify_head_sequence(
            [h0, sign_head(ServerKey.generate(), "e1", entries[3], at(5), h0)], key.public_hex
        )


def test_sign_head_refuses_to_contradict_itself(key: ServerKey) -> None:
    entries = board(4)
    other = board(4, tag="rewritten")
    h0 = sign_head(key, "e1", entries[2], at(10))
    with pytest.raises(SignatureError, match="backwards"):
        sign_head(key, "e1", entries[1], at(11), previous=h0)
    with pytest.raises(SignatureError, match="two different hashes"):
        sign_head(key, "e1", other[2], at(11), previous=h0)
    with pytest.raises(SignatureError, match="earlier"):
        sign_head(key, "e1", entries[3], at(9), previous=h0)
    with pytest.raises(SignatureError, match="election"):
        sign_head(key, "e2", entries[3], at(11), previous=h0)


def test_tampered_head_fails(key: ServerKey) -> None:
    entries = board(3)
    head = sign_head(key, "e1", entries[2], AT)
    for forged in (
        SignedHead("e2", head.seq, head.head_hash, head.at, head.prev, head.signature),
        SignedHead("e1", 1, head.head_hash, head.at, head.prev, head.signature),
        SignedHead("e1", 2, entries[1].hash, head.at, head.prev, head.signature),
        SignedHead("e1", 2, head.head_hash, at(1), head.prev, head.signature),
        SignedHead("e1", 2, head.head_hash, head.at, "1" * 64, head.signature),
    ):
        with pytest.raises(SignatureError):
            verify_head(forged, key.public_hex)


def test_rewrite_is_provable_from_two_signed_heads(key: ServerKey) -> None:
    honest = board(5)
    rewritten = honest[:2] + board(5, tag="x")[2:]  # same length, history differs from seq 2
    h0 = sign_head(key, "e1", honest[1], at(0))
    seen = sign_head(key, "e1", honest[3], at(1), previous=h0)
    # The server rebuilds the board from seq 2 and signs the new history from h0 on.
    forked = sign_head(key, "e1", rewritten[3], at(2), previous=h0)
    assert find_equivocation([h0, seen, forked], key.public_hex) == (seen, forked)
    # Same prev, two successors, even at different seqs.
    other = sign_head(key, "e1", rewritten[4], at(2), previous=h0)
    assert find_equivocation([seen, other], key.public_hex) == (seen, other)
    # Honest sequences give no proof; unsigned forgeries are not proof either.
    later = sign_head(key, "e1", honest[4], at(3), previous=seen)
    assert find_equivocation([h0, seen, later, seen], key.public_hex) is None
    fake = SignedHead("e1", 3, rewritten[3].hash, at(1), h0.hash, "00" * 64)
    assert find_equivocation([seen, fake], key.public_hex) is None


def test_head_against_board(key: ServerKey) -> None:
    entries = board(5)
    head = sign_head(key, "e1", entries[3], AT)
    verify_head_against_board(head, entries, key.public_hex)
    with pytest.raises(SignatureError, match="truncated"):
        verify_head_against_board(head, entries[:3], key.public_hex)
    rewritten = entries[:2] + board(5, tag="x")[2:]
    rebuilt: list[BoardEntry] = []
    prev = None
    for e in rewritten:
        prev = append(prev, e.kind, e.payload, e.at)
        rebuilt.append(prev)
    with pytest.raises(SignatureError, match="seq 3: the board differs"):
        verify_head_against_board(head, rebuilt, key.public_hex)
    with pytest.raises(ChainError):
        verify_head_against_board(head, rewritten, key.public_hex)


def test_from_json_rejects_bad_shapes(key: ServerKey) -> None:
    head = sign_head(key, "e1", board(1)[0], AT)
    data = head.to_json()
    with pytest.raises(SignatureError):
        SignedHead.from_json({**data, "type": "other"})
    with pytest.raises(SignatureError):
        SignedHead.from_json({k: v for k, v in data.items() if k != "prev"})
    with pytest.raises(SignatureError):
        SignedHead.from_json({**data, "seq": "2"})
