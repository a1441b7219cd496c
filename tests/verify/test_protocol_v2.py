"""The smaller gaps of protocol v2 (issue 12), each closed in the verifier.

Every test starts from a record built by honest code, changes it as an attacker would
(an outsider fixing the index's sums, or the server itself re-chaining and re-signing
with its key), and checks that verification fails at the right step, naming the cause:
non-canonical members and board lines, an unsorted ceremony transcript, an extra key in
a payload, signed heads that repeat an entry or go back in time, ballots timed outside
the voting window.  v1 records keep the checks v1 stated and are told apart with a note.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from ballot.record.election_record import INDEX_NAME, canonical, read_record
from ballot.record.signing import ServerKey, SignedHead
from ballot.record.synthetic import (
    Challenge,
    GeneratedRecord,
    generate_record,
    recognition_definition,
)
from ballot.record.verify import VerificationReport, main, verify_record

from .conftest import Entry, board, index_of, lines_of, members, resign, rewrite_unsigned

VOTES = [[[0]]] * 5 + [[[1]]] * 3
CHALLENGES = [Challenge([[1]], "overruled"), Challenge([[0]], "sustained")]


def _generate(path: Path, version: int) -> GeneratedRecord:
    """An honest record of either version: v2 binds the board key in the definition."""
    key = ServerKey.generate()
    definition = recognition_definition()
    options: dict[str, Any] = {}
    if "version" in inspect.signature(generate_record).parameters:
        options["version"] = version
    if version >= 2:
        definition["board_key"] = {"algorithm": "ed25519", "public_key": key.public_hex}
    gen = generate_record(
        path, definition, VOTES, challenges=CHALLENGES, eligible=30, server_key=key, **options
    )
    assert read_record(gen.path).version == version
    return gen


@pytest.fixture(scope="module")
def v1(tmp_path_factory: pytest.TempPathFactory) -> GeneratedRecord:
    return _generate(tmp_path_factory.mktemp("v1") / "recognition-v1.zip", 1)


@pytest.fixture(scope="module")
def v2(tmp_path_factory: pytest.TempPathFactory) -> GeneratedRecord:
    return _generate(tmp_path_factory.mktemp("v2") / "recognition-v2.zip", 2)


@pytest.fixture(params=[1, 2], ids=["v1", "v2"])
def either(
    request: pytest.FixtureRequest, v1: GeneratedRecord, v2: GeneratedRecord
) -> GeneratedRecord:
    """Rules v1 already stated apply to both versions."""
    return v1 if request.param == 1 else v2


def failed(path: Path) -> VerificationReport:
    report = verify_record(path, jobs=1)
    assert not report.ok, "a tampered record must fail"
    assert report.failure is not None
    return report


def test_an_honest_v2_record_passes_without_notes(v2: GeneratedRecord) -> None:
    report = verify_record(v2.path, jobs=1)
    assert report.ok, report.failure
    assert report.version == 2 and report.notes == []


# --------------------------------------------------------------------------- canonical bytes


def test_a_pretty_printed_member_fails(either: GeneratedRecord, tmp_path: Path) -> None:
    definition = json.loads(members(either.path)["definition.json"])
    pretty = json.dumps(definition, indent=1, sort_keys=True).encode()
    report = failed(rewrite_unsigned(either.path, tmp_path / "r.zip", definition_json=pretty))
    assert report.failed_step == "record members"
    assert "definition.json is not written canonically" in report.failure  # type: ignore[operator]
    assert "RFC 8785" in report.failure  # type: ignore[operator]


def test_a_respaced_ballot_line_fails_though_its_hash_still_holds(
    either: GeneratedRecord, tmp_path: Path
) -> None:
    """The hash is over the canonical form, so a re-spaced line keeps its hash and links:
    only the canonical-bytes rule tells the two spellings of one entry apart."""
    entries = board(either.path)
    at = index_of(entries, "ballot.cast", 2)
    raw = lines_of(entries).split(b"\n")[:-1]
    raw[at] = json.dumps(entries[at], sort_keys=True).encode()  # ", " and ": " separators
    data = b"".join(line + b"\n" for line in raw)
    report = failed(rewrite_unsigned(either.path, tmp_path / "r.zip", board_jsonl=data))
    assert report.failed_step == "board chain"
    assert f"seq {at}: its line in board.jsonl is not written canonically" in report.failure  # type: ignore[operator]


def test_a_crlf_line_fails(either: GeneratedRecord, tmp_path: Path) -> None:
    data = lines_of(board(either.path))
    opened = index_of(board(either.path), "election.opened")
    lines = data.split(b"\n")
    lines[opened] += b"\r"
    report = failed(
        rewrite_unsigned(either.path, tmp_path / "r.zip", board_jsonl=b"\n".join(lines))
    )
    assert report.failed_step == "board chain"
    assert f"seq {opened}" in report.failure and "carriage return" in report.failure  # type: ignore[operator]


def test_a_respaced_index_fails(v2: GeneratedRecord, tmp_path: Path) -> None:
    target = tmp_path / "r.zip"
    with zipfile.ZipFile(v2.path) as src, zipfile.ZipFile(target, "w") as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == INDEX_NAME:
                data = json.dumps(json.loads(data), sort_keys=True).encode()
            out.writestr(info.filename, data)
    report = failed(target)
    assert report.failed_step == "record members"
    assert "record.json is not written canonically" in report.failure  # type: ignore[operator]


# --------------------------------------------------------------------------- exact contents


def test_unsorted_dealers_fail(either: GeneratedRecord, tmp_path: Path) -> None:
    """The server re-orders the transcript (same keys, same fingerprint) and re-signs."""
    transcript = json.loads(members(either.path)["ceremony.json"])
    transcript["dealers"] = [transcript["dealers"][i] for i in (1, 0, 2)]

    def reorder(entries: list[Entry]) -> list[Entry]:
        entries[index_of(entries, "ceremony.completed")]["payload"]["transcript"] = transcript
        return entries

    report = failed(resign(either, tmp_path / "r.zip", reorder, ceremony_json=transcript))
    assert report.failed_step == "key ceremony"
    assert "must list its dealers by ascending index (it lists [2, 1, 3])" in report.failure  # type: ignore[operator]


def test_an_extra_key_in_the_opening_entry_fails(either: GeneratedRecord, tmp_path: Path) -> None:
    def extra(entries: list[Entry]) -> list[Entry]:
        entries[index_of(entries, "election.opened")]["payload"] = {"eligible": 12}
        return entries

    report = failed(resign(either, tmp_path / "r.zip", extra))
    assert report.failed_step == "board lifecycle"
    assert "(election.opened): payload must have exactly []" in report.failure  # type: ignore[operator]
    assert "unexpected key(s) ['eligible']" in report.failure  # type: ignore[operator]


# --------------------------------------------------------------------------- times


@pytest.mark.parametrize("when", ["late", "early"])
def test_a_ballot_timed_outside_the_voting_window_fails(
    either: GeneratedRecord, tmp_path: Path, when: str
) -> None:
    """A ballot slipped in before the opening or after the closing, by its time."""
    entries = board(either.path)
    closed = entries[index_of(entries, "election.closed")]["at"]
    opened = entries[index_of(entries, "election.opened")]["at"]
    at = index_of(entries, "ballot.cast", 3)

    def redate(entries: list[Entry]) -> list[Entry]:
        entries[at]["at"] = "2026-12-24T23:59:59Z" if when == "late" else "2026-01-01T00:00:00Z"
        return entries

    report = failed(resign(either, tmp_path / "r.zip", redate))
    assert report.failed_step == "board lifecycle"
    assert f"board entry {at} (ballot.cast) is timed" in report.failure  # type: ignore[operator]
    assert "outside the voting window" in report.failure  # type: ignore[operator]
    assert f"election.opened at {opened}" in report.failure  # type: ignore[operator]
    assert f"election.closed at {closed}" in report.failure  # type: ignore[operator]


def _head(
    key: ServerKey, election: str, entry: Entry, at: str, prev: SignedHead | None
) -> SignedHead:
    """A head signed by the server's key as the attacker wants it (no successor checks)."""
    link = "0" * 64 if prev is None else prev.hash
    unsigned = SignedHead(election, entry["seq"], entry["hash"], at, link, "")
    return dataclasses.replace(unsigned, signature=key.sign_hex(unsigned.message()))


def _with_heads(gen: GeneratedRecord, target: Path, plan: list[tuple[int, str]]) -> Path:
    """Replace the signed heads by heads on (board position, time), signed with the key."""
    entries = board(gen.path)
    heads: list[SignedHead] = []
    for position, at in plan:
        heads.append(
            _head(
                gen.server_key, gen.election_id, entries[position], at, heads[-1] if heads else None
            )
        )
    data = canonical([h.to_json() for h in heads])
    return rewrite_unsigned(gen.path, target, heads_json=data)


def test_honest_heads_rebuilt_by_the_test_pass(either: GeneratedRecord, tmp_path: Path) -> None:
    entries = board(either.path)
    last = len(entries) - 1
    plan = [(5, entries[5]["at"]), (last, entries[last]["at"])]
    assert verify_record(_with_heads(either, tmp_path / "r.zip", plan), jobs=1).ok


def test_a_head_going_back_in_time_fails(either: GeneratedRecord, tmp_path: Path) -> None:
    entries = board(either.path)
    last = len(entries) - 1
    plan = [(last - 1, "2026-12-01T00:00:00Z"), (last, entries[last]["at"])]
    report = failed(_with_heads(either, tmp_path / "r.zip", plan))
    assert report.failed_step == "signed heads"
    assert "signed head 1" in report.failure  # type: ignore[operator]
    assert "is earlier than the previous one at 2026-12-01T00:00:00Z" in report.failure  # type: ignore[operator]


def test_a_head_repeating_an_entry_fails_in_v2_only(
    v1: GeneratedRecord, v2: GeneratedRecord, tmp_path: Path
) -> None:
    entries = board(v2.path)
    last = len(entries) - 1
    end = entries[last]["at"]
    plan = [(last, end), (last, end)]
    report = failed(_with_heads(v2, tmp_path / "v2.zip", plan))
    assert report.failed_step == "signed heads"
    assert "signed head 1 signs board entry" in report.failure  # type: ignore[operator]
    assert "each head must sign a later entry" in report.failure  # type: ignore[operator]
    # Protocol v1 did not forbid it: a v1 record that repeats a head still verifies.
    assert verify_record(_with_heads(v1, tmp_path / "v1.zip", plan), jobs=1).ok


def test_a_head_dated_before_its_entry_fails_in_v2(v2: GeneratedRecord, tmp_path: Path) -> None:
    entries = board(v2.path)
    last = len(entries) - 1
    plan = [(last, entries[0]["at"])]
    report = failed(_with_heads(v2, tmp_path / "r.zip", plan))
    assert report.failed_step == "signed heads"
    assert "before the board entry it signs" in report.failure  # type: ignore[operator]


# --------------------------------------------------------------------------- v1 records


def test_a_v1_record_says_what_it_cannot_have(
    v1: GeneratedRecord, capsys: pytest.CaptureFixture[str]
) -> None:
    report = verify_record(v1.path, jobs=1)
    assert report.ok and report.version == 1
    [note] = report.notes
    assert note.startswith("this is a protocol v1 record; it cannot have: the board key bound")
    assert "a committed roll" in note and "witnessed heads" in note
    assert main(v1.path, None, 1) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "note this is a protocol v1 record; it cannot have:" in out and "PASS" in out


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_note_is_printed_on_failure_too(
    v1: GeneratedRecord, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def extra(entries: list[Entry]) -> list[Entry]:
        entries[index_of(entries, "election.opened")]["payload"] = {"x": _sha(b"x")}
        return entries

    path = resign(v1, tmp_path / "r.zip", extra)
    assert main(path, None, 1) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "protocol v1 record" in out and "FAIL (board lifecycle)" in out
