"""verify_links with hashes computed elsewhere (as the verifier's workers do)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ballot.record.canonical import JSON
from ballot.record.chain import GENESIS, ChainError, entry_hash, verify_links


@dataclass(frozen=True)
class Entry:
    seq: int
    prev: str
    note: str

    def body(self) -> dict[str, JSON]:
        return {"seq": self.seq, "prev": self.prev, "note": self.note}


def chain(n: int) -> list[Entry]:
    entries: list[Entry] = []
    prev = GENESIS
    for seq in range(n):
        entries.append(Entry(seq, prev, f"entry {seq}"))
        prev = entry_hash(entries[-1])
    return entries


def test_given_hashes_are_used_for_the_links() -> None:
    entries = chain(4)
    hashes = [entry_hash(e) for e in entries]
    verify_links(entries, hashes[-1], hashes=hashes)
    wrong = [*hashes[:2], "f" * 64, hashes[3]]
    with pytest.raises(ChainError, match="seq 3: prev does not match the hash of seq 2") as info:
        verify_links(entries, hashes=wrong)
    assert info.value.seq == 3


def test_chain_error_names_the_position() -> None:
    entries = chain(4)
    del entries[1]
    with pytest.raises(ChainError, match="seq 1: missing") as info:
        verify_links(entries)
    assert info.value.seq == 1


def test_hashes_must_match_the_entries() -> None:
    with pytest.raises(ValueError, match="3 hashes given for 4 entries"):
        verify_links(chain(4), hashes=["0" * 64] * 3)


def test_a_growing_chain_is_checked_page_by_page_from_the_last_checked_entry() -> None:
    entries = chain(6)
    verify_links(entries[:3])
    verify_links(entries[3:], after=(2, entry_hash(entries[2])), head=entry_hash(entries[5]))
    with pytest.raises(ChainError, match="seq 3: prev does not match the hash of seq 2") as info:
        verify_links(entries[3:], after=(2, "e" * 64))
    assert info.value.seq == 3
    with pytest.raises(ChainError, match="seq 3: missing \\(found seq 4"):
        verify_links(entries[4:], after=(2, entry_hash(entries[2])))
    with pytest.raises(ChainError, match="seq 5: its hash does not match the signed head"):
        verify_links(entries[3:], after=(2, entry_hash(entries[2])), head="d" * 64)
