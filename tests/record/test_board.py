from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ballot.record.board import (
    GENESIS,
    BoardEntry,
    BoardFormatError,
    ChainError,
    append,
    verify_chain,
)

AT = "2026-11-24T16:00:00Z"


def make_board(n: int) -> list[BoardEntry]:
    entries: list[BoardEntry] = []
    prev = None
    for i in range(n):
        prev = append(prev, "ballot.cast", {"i": i, "tracker": f"t{i}"}, AT)
        entries.append(prev)
    return entries


def test_first_entry_links_to_zeros_and_hash_is_protocol_hash() -> None:
    entry = append(None, "election.defined", {"id": "e1"}, AT)
    assert entry.seq == 0 and entry.prev == GENESIS
    body: dict[str, Any] = {
        "seq": 0,
        "kind": "election.defined",
        "at": AT,
        "payload": {"id": "e1"},
        "prev": GENESIS,
    }
    assert entry.hash == hashlib.sha256(rfc8785.dumps(body)).hexdigest()
    second = append(entry, "lifecycle.open", {}, AT)
    assert second.seq == 1 and second.prev == entry.hash


def test_datetime_is_cut_to_seconds_utc() -> None:
    moment = datetime(2026, 11, 24, 11, 0, 0, 987654, tzinfo=timezone(timedelta(hours=-5)))
    assert append(None, "lifecycle.open", {}, moment).at == "2026-11-24T16:00:00Z"
    with pytest.raises(ValueError):
        append(None, "lifecycle.open", {}, datetime(2026, 1, 1))  # naive


@pytest.mark.parametrize(
    "at", ["2026-11-24T16:00:00", "2026-11-24T16:00:00.5Z", "2026-13-01T00:00:00Z", "yesterday", 5]
)
def test_bad_times_refused(at: object) -> None:
    with pytest.raises(BoardFormatError):
        BoardEntry(0, "x", at, {}, GENESIS)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["", "Ballot.cast", "ballot..cast", "ballot cast", "x" * 65, 3])
def test_bad_kinds_refused(kind: object) -> None:
    with pytest.raises(BoardFormatError):
        BoardEntry(0, kind, AT, {}, GENESIS)  # type: ignore[arg-type]


def test_payload_must_be_protocol_json() -> None:
    with pytest.raises(BoardFormatError, match="float"):
        append(None, "tally.result", {"share": 0.5}, AT)  # type: ignore[dict-item]  # deliberately the wrong type
    with pytest.raises(BoardFormatError):
        BoardEntry(0, "x", AT, [1], GENESIS)  # type: ignore[arg-type]
    with pytest.raises(BoardFormatError):
        BoardEntry(-1, "x", AT, {}, GENESIS)
    with pytest.raises(BoardFormatError):
        BoardEntry(0, "x", AT, {}, "AB" * 32)


def test_json_round_trip_and_stored_hash_checked() -> None:
    entries = make_board(3)
    for entry in entries:
        data = json.loads(json.dumps(entry.to_json()))
        assert BoardEntry.from_json(data) == entry
    data = entries[1].to_json()
    data["payload"] = {"i": 99}
    with pytest.raises(ChainError, match="seq 1"):
        BoardEntry.from_json(data)
    with pytest.raises(BoardFormatError, match="unknown"):
        BoardEntry.from_json({**entries[0].to_json(), "extra": 1})
    with pytest.raises(BoardFormatError, match="missing"):
        BoardEntry.from_json({"seq": 0})


def test_good_chain_verifies_with_head() -> None:
    entries = make_board(5)
    verify_chain(entries)
    verify_chain(entries, head=entries[-1].hash)
    verify_chain([])


def test_messages_name_the_first_bad_seq() -> None:
    entries = make_board(6)
    with pytest.raises(ChainError, match="seq 2: missing"):
        verify_chain(entries[:2] + entries[3:])
    with pytest.raises(ChainError, match="seq 3: found seq 2 again"):
        verify_chain([*entries[:3], entries[2], *entries[3:]])
    swapped = entries[:]
    swapped[2], swapped[3] = swapped[3], swapped[2]
    with pytest.raises(ChainError, match="seq 2"):
        verify_chain(swapped)
    altered = entries[:]
    altered[4] = BoardEntry(4, "ballot.cast", AT, {"i": 4, "tracker": "evil"}, entries[4].prev)
    with pytest.raises(ChainError, match="seq 5: prev does not match the hash of seq 4"):
        verify_chain(altered)
    with pytest.raises(ChainError, match="seq 0: prev"):
        verify_chain([BoardEntry(0, "x", AT, {}, "1" * 64)])


def test_payload_mutated_in_place_is_caught() -> None:
    entries = make_board(3)
    entries[0].payload["i"] = 7
    with pytest.raises(ChainError, match="seq 1"):
        verify_chain(entries)


def test_last_entry_needs_the_head() -> None:
    entries = make_board(4)
    head = entries[-1].hash
    altered = [*entries[:3], BoardEntry(3, "ballot.cast", AT, {"i": 0}, entries[3].prev)]
    verify_chain(altered)  # undetectable without the head ...
    with pytest.raises(ChainError, match="seq 3: its hash does not match the signed head"):
        verify_chain(altered, head=head)
    with pytest.raises(ChainError, match="seq 2"):
        verify_chain(entries[:3], head=head)  # ... and so is truncation
    with pytest.raises(ChainError):
        verify_chain([], head=head)


# -- any single tampering breaks verification against the head ---------------------------

payload_values = st.one_of(st.integers(-(2**53) + 1, 2**53 - 1), st.text(max_size=8), st.booleans())


@st.composite
def tampered(draw: st.DrawFn) -> tuple[list[BoardEntry], list[BoardEntry]]:
    n = draw(st.integers(1, 8))
    entries = make_board(n)
    mode = draw(st.sampled_from(["alter", "remove", "insert", "swap"]))
    out = entries[:]
    if mode == "alter":
        i = draw(st.integers(0, n - 1))
        e = entries[i]
        field = draw(st.sampled_from(["kind", "at", "payload", "prev", "seq"]))
        if field == "kind":
            new = BoardEntry(e.seq, e.kind + "x", e.at, e.payload, e.prev)
        elif field == "at":
            new = BoardEntry(e.seq, e.kind, "2026-11-24T16:00:01Z", e.payload, e.prev)
        elif field == "payload":
            value = draw(payload_values.filter(lambda v: v != e.payload["i"] or type(v) is not int))
            new = BoardEntry(e.seq, e.kind, e.at, {**e.payload, "i": value}, e.prev)
        elif field == "prev":
            new = BoardEntry(e.seq, e.kind, e.at, e.payload, draw(st.sampled_from(["a", "b"])) * 64)
        else:
            new = BoardEntry(e.seq + draw(st.integers(1, 3)), e.kind, e.at, e.payload, e.prev)
        out[i] = new
    elif mode == "remove":
        del out[draw(st.integers(0, n - 1))]
    elif mode == "insert":
        i = draw(st.integers(0, n))
        seq = draw(st.integers(0, n))
        prev = entries[i - 1].hash if i > 0 else GENESIS
        out.insert(i, BoardEntry(seq, "ballot.cast", AT, {"forged": True}, prev))
    else:
        if n < 2:
            out = [BoardEntry(0, "x", AT, {}, GENESIS), *out]  # degenerate: duplicate seq 0
        else:
            i, j = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True))
            out[i], out[j] = out[j], out[i]
    return entries, out


@given(tampered())
@settings(max_examples=300, deadline=None)
def test_any_single_tampering_is_detected(case: tuple[list[BoardEntry], list[BoardEntry]]) -> None:
    original, changed = case
    head = original[-1].hash
    verify_chain(original, head=head)
    with pytest.raises(ChainError):
        verify_chain(changed, head=head)


@given(tampered())
@settings(max_examples=200, deadline=None)
def test_tampering_before_the_last_entry_is_detected_without_head(
    case: tuple[list[BoardEntry], list[BoardEntry]],
) -> None:
    original, changed = case
    # Only changes that leave every entry but the last untouched can pass without a head.
    same_prefix = (
        len(changed) >= len(original) - 1
        and all(a == b for a, b in zip(original[:-1], changed, strict=False))
        and len(changed) <= len(original)
    )
    if same_prefix:
        return
    if len(changed) > len(original) and changed[: len(original)] == original:
        return  # an append at the end is indistinguishable from a real append
    with pytest.raises(ChainError):
        verify_chain(changed)


def test_datetime_helper_now_is_valid() -> None:
    append(None, "lifecycle.open", {}, datetime.now(UTC))
