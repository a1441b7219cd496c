"""build_record: the server's board and heads in, a record the verifier passes out."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from ballot.record.election_record import RecordFormatError, read_record
from ballot.record.export import build_record
from ballot.record.signing import SignedHead, sign_head
from ballot.record.synthetic import (
    Challenge,
    GeneratedRecord,
    generate_record,
    recognition_definition,
)
from ballot.record.verify import verify_record


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> GeneratedRecord:
    """A withdrawn definition, an audit, two rounds and a certification."""
    earlier = recognition_definition()
    earlier["title"] = {"en": "draft"}
    return generate_record(
        tmp_path_factory.mktemp("export") / "full.zip",
        recognition_definition(),
        [[[0]]] * 5 + [[[1]]] * 4,
        challenges=[
            Challenge([[1]], "overruled", after_count=True),
            Challenge([[0]], "sustained", after_count=True),
        ],
        audits=[[[1]]],
        eligible=20,
        withdrawn=earlier,
        certify="no objections",
        notes=True,
    )


def published(gen: GeneratedRecord) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str]:
    """What the server holds: entries and heads in published form, the public key."""
    record = read_record(gen.path)
    entries = [json.loads(line) for line in record.board_lines()]
    return entries, record.json("heads.json"), record.json("server_key.json")["public_key"]


def test_export_is_the_same_record_byte_for_byte(full: GeneratedRecord, tmp_path: Path) -> None:
    entries, heads, key = published(full)
    build_record(entries, heads, key, tmp_path / "out.zip")
    assert (tmp_path / "out.zip").read_bytes() == full.path.read_bytes()
    report = verify_record(tmp_path / "out.zip")
    assert report.ok, report.failure
    assert report.result == full.result


def test_export_takes_the_last_definition_and_the_final_round(
    full: GeneratedRecord, tmp_path: Path
) -> None:
    entries, heads, key = published(full)
    build_record(entries, heads, key, tmp_path / "out.zip")
    record = read_record(tmp_path / "out.zip")
    last_defined = [e for e in entries if e["kind"] == "election.defined"][-1]
    assert record.json("definition.json") == last_defined["payload"]["definition"]
    assert record.index["manifest_hash"] == last_defined["payload"]["manifest_hash"]
    assert {p["round"] for p in record.json("partials.json")} == {2}
    assert record.json("result.json")["undecided"] == 0
    assert record.index["board_head"] == entries[-1]["hash"]


def _cut(gen: GeneratedRecord, keep: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The board as it stood after ``keep`` entries, with a head signed on its last entry."""
    from ballot.record.board import BoardEntry

    entries, _, _ = published(gen)
    entries = entries[:keep]
    last = BoardEntry.from_json(entries[-1])
    head = sign_head(gen.server_key, gen.election_id, last, last.at)
    return entries, [SignedHead.to_json(head)]


@pytest.mark.parametrize(
    ("stop_after", "says"),
    [
        ("election.closed", "no result yet (no 'tally.result' entry)"),
        ("tally.partial", "no result yet for round 1"),
        ("challenge.decided", "challenges were decided after the round-1 result"),
    ],
)
def test_no_record_before_the_final_result(
    full: GeneratedRecord, tmp_path: Path, stop_after: str, says: str
) -> None:
    entries, _, key = published(full)
    keep = max(i for i, e in enumerate(entries) if e["kind"] == stop_after) + 1
    if stop_after == "tally.partial":  # the first partial of round 1
        keep = next(i for i, e in enumerate(entries) if e["kind"] == "tally.partial") + 1
    cut, heads = _cut(full, keep)
    with pytest.raises(RecordFormatError, match=re.escape(says)):
        build_record(cut, heads, key, tmp_path / "out.zip")
    assert not (tmp_path / "out.zip").exists()


def test_a_determinative_round_one_is_a_record_until_decisions_start(
    full: GeneratedRecord, tmp_path: Path
) -> None:
    """Round 1 is the result on the board until the committee starts deciding."""
    entries, _, key = published(full)
    keep = next(i for i, e in enumerate(entries) if e["kind"] == "tally.result") + 1
    cut, heads = _cut(full, keep)
    build_record(cut, heads, key, tmp_path / "out.zip")
    report = verify_record(tmp_path / "out.zip")
    assert report.ok, report.failure
    assert report.result is not None and report.result["determinative"] is True


def test_unsigned_tail_is_refused(full: GeneratedRecord, tmp_path: Path) -> None:
    entries, heads, key = published(full)
    with pytest.raises(RecordFormatError, match="sign a head for the last entry first"):
        build_record(entries, heads[:-1], key, tmp_path / "out.zip")


def test_empty_board_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RecordFormatError, match="the board is empty"):
        build_record([], [], "00" * 32, tmp_path / "out.zip")


def test_a_v2_record_carries_the_cosignatures_of_named_witnesses_on_held_heads(
    tmp_path: Path,
) -> None:
    from ballot.record.cosign import WitnessKey, cosign
    from ballot.record.signing import ServerKey

    board_key = ServerKey.generate()
    rosa, stranger = WitnessKey.generate(), WitnessKey.generate()
    definition = recognition_definition()
    definition["board_key"] = {"algorithm": "ed25519", "public_key": board_key.public_hex}
    definition["witnesses"] = [{"name": "Rosa", "public_key": rosa.public_hex}]
    gen = generate_record(
        tmp_path / "src.zip",
        definition,
        [[[0]]] * 2 + [[[1]]],
        eligible=5,
        server_key=board_key,
        certify="no objections",
    )
    entries, heads, key = published(gen)
    signed = [SignedHead.from_json(h) for h in heads]
    mine = [cosign(rosa, h, h.at) for h in reversed(signed)]  # any order, one twice
    first = signed[0]
    unsigned_head = SignedHead(
        first.election_id, first.seq, first.head_hash, first.at, first.prev, "00" * 64
    )
    offered = [
        *(c.to_json() for c in mine),
        mine[0].to_json(),
        cosign(stranger, signed[-1], signed[-1].at).to_json(),  # not a named witness
        cosign(rosa, unsigned_head, signed[0].at).to_json(),  # not a head the server signed
    ]
    build_record(entries, heads, key, tmp_path / "out.zip", offered)
    record = read_record(tmp_path / "out.zip")
    assert record.version == 2
    carried = record.json("cosignatures.json")
    assert carried == [c.to_json() for c in sorted(mine, key=lambda c: c.sort_key)]
    report = verify_record(tmp_path / "out.zip", jobs=1)
    assert report.ok, report.failure
    assert "cosignatures" in report.passed
