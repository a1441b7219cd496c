"""A witness's cosignature and log (PROTOCOL.md, "Witnessed heads"): what is signed, what
a reader refuses."""

from __future__ import annotations

import json

import pytest

from ballot.record.board import BoardEntry
from ballot.record.canonical import canonical_json
from ballot.record.cosign import (
    COSIGNATURE_TYPE,
    Cosignature,
    CosignatureError,
    WitnessKey,
    cosign,
    log_line,
    parse_cosignature,
    read_log,
)
from ballot.record.signing import GENESIS, ServerKey, sign_head

SERVER = ServerKey.from_private_bytes(b"\x07" * 32)
WITNESS = WitnessKey.from_private_bytes(b"\x09" * 32)


def heads(n: int) -> list:
    out = []
    last = None
    for seq in range(n):
        last = BoardEntry(
            seq, "note.test", "2026-11-02T09:00:00Z", {"n": seq}, last.hash if last else GENESIS
        )
        out.append(
            sign_head(SERVER, "e1", last, f"2026-11-02T09:00:0{seq}Z", out[-1] if out else None)
        )
    return out


def test_a_cosignature_signs_the_head_and_the_signed_head() -> None:
    (head,) = heads(1)
    c = cosign(WITNESS, head, "2026-11-02T10:00:00Z")
    assert c.covers(head) and c.witness == WITNESS.public_hex
    body = c.to_json()
    assert body["type"] == COSIGNATURE_TYPE and body["signed_head"] == head.hash
    del body["signature"]
    assert c.message() == canonical_json(body)
    assert parse_cosignature(json.loads(json.dumps(c.to_json()))) == c
    for field, value in (("seq", 1), ("head", "a" * 64), ("at", "2026-11-02T10:00:01Z")):
        changed = {**c.to_json(), field: value}
        with pytest.raises(CosignatureError, match="does not verify"):
            parse_cosignature(changed)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"extra": 1}, "exactly the fields"),
        ({"type": "ballot.board.head"}, "not a cosignature"),
        ({"witness": "AB" * 32}, "64 lower-case hex"),
        ({"seq": -1}, "not a non-negative integer"),
        ({"seq": True}, "not a non-negative integer"),
        ({"signed_head": "x"}, "64 lower-case hex"),
        ({"at": "2026-11-02 10:00"}, "ISO-8601"),
        ({"signature": 5}, "hex string"),
        ({"election": ""}, "election id"),
    ],
)
def test_malformed_cosignatures_are_refused(change: dict, message: str) -> None:
    (head,) = heads(1)
    with pytest.raises(CosignatureError, match=message):
        Cosignature.from_json({**cosign(WITNESS, head, head.at).to_json(), **change})


def test_a_log_is_one_witness_going_forward() -> None:
    hs = heads(3)
    log = [cosign(WITNESS, h, h.at) for h in hs]
    data = b"".join(log_line(c) for c in log)
    assert read_log(data) == log
    with pytest.raises(CosignatureError, match="empty"):
        read_log(b"")
    with pytest.raises(CosignatureError, match="does not end with a line end"):
        read_log(data[:-1])
    backwards = log_line(log[1]) + log_line(log[0])
    with pytest.raises(CosignatureError, match="line 2: cosigns board entry 0 after entry 1"):
        read_log(backwards)
    other = cosign(WitnessKey.from_private_bytes(b"\x0a" * 32), hs[2], hs[2].at)
    with pytest.raises(CosignatureError, match="line 3: another witness or election"):
        read_log(log_line(log[0]) + log_line(log[1]) + log_line(other))
    with pytest.raises(CosignatureError, match="line 2 is not JSON"):
        read_log(log_line(log[0]) + b"{oops\n")
