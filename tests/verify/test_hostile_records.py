"""Hostile records: `ballot verify` refuses each one with a FAIL line, in bounded memory.

Each record is crafted as an attacker would: the member hashes in record.json are
recomputed, so the content really is inflated and parsed.  Every case runs the real
command in its own process, whose peak memory comes from the kernel (``wait4``).
"""

from __future__ import annotations

import hashlib
import os
import stat
import struct
import sys
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from ballot.record.election_record import INDEX_NAME, MEMBERS_BY_VERSION, canonical
from ballot.record.synthetic import GeneratedRecord
from tests.support.peak import run_measured

#: The members of the records attacked here (the synthetic records are protocol v2).
MEMBER_NAMES = MEMBERS_BY_VERSION[2]

BALLOT = Path(sys.executable).with_name("ballot")
Source = tuple[dict[str, object], dict[str, bytes]]
Bomb = tuple[bytes, int, str]
PEAK_LIMIT_KB = 300 * 1024
DEEP = 100_000
BOMB_BYTES = 1024**3  # inflates to 1 GiB from about 1 MB


@dataclass
class Entry:
    """One ZIP entry as written byte for byte (so entries Python would not write are possible)."""

    name: str
    data: bytes  # the compressed bytes
    size: int
    crc: int
    mode: int = stat.S_IFREG | 0o644


def deflated(name: str, content: bytes, mode: int = stat.S_IFREG | 0o644) -> Entry:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    data = packer.compress(content) + packer.flush()
    return Entry(name, data, len(content), zlib.crc32(content), mode)


def write_zip(path: Path, entries: Sequence[Entry]) -> Path:
    """Local headers, data, central directory and end record (ZIP APPNOTE 4.3)."""
    body = bytearray()
    directory = bytearray()
    for e in entries:
        name = e.name.encode()
        offset = len(body)
        fields = (20, 0, 8, 0, 0x21, e.crc, len(e.data), e.size, len(name))
        body += struct.pack("<4s5H3I2H", b"PK\x03\x04", *fields, 0) + name + e.data
        directory += struct.pack(
            "<4s6H3I5H2I",
            b"PK\x01\x02",
            0x031E,  # made by Unix (for the mode bits)
            *fields,
            0,
            0,
            0,
            0,
            e.mode << 16,
            offset,
        )
        directory += name
    end = struct.pack(
        "<4s4H2IH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), len(body), 0
    )
    path.write_bytes(bytes(body + directory + end))
    return path


def index_for(base: dict[str, object], members: dict[str, bytes]) -> bytes:
    index = dict(base)
    index["members"] = [
        {"name": n, "sha256": hashlib.sha256(members[n]).hexdigest(), "bytes": len(members[n])}
        for n in MEMBER_NAMES
    ]
    return canonical(index)


@pytest.fixture(scope="module")
def source(recognition: GeneratedRecord) -> Source:
    from ballot.record.election_record import read_record

    record = read_record(recognition.path)
    return dict(record.index), dict(record.members)


@pytest.fixture(scope="module")
def bomb() -> Bomb:
    """1 GiB of spaces deflated (about 1 MB), its CRC-32 and SHA-256, computed in pieces."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = b" " * (64 * 1024**2)
    crc, digest, parts = 0, hashlib.sha256(), []
    for _ in range(BOMB_BYTES // len(piece)):
        parts.append(packer.compress(piece))
        crc = zlib.crc32(piece, crc)
        digest.update(piece)
    parts.append(packer.flush())
    return b"".join(parts), crc, digest.hexdigest()


def record_with(tmp: Path, source: Source, **changed: bytes) -> Path:
    """The good record with members replaced and record.json's sums recomputed."""
    base, members = source
    data = dict(members)
    data.update({_member(k): v for k, v in changed.items()})
    entries = [deflated(n, data[n]) for n in MEMBER_NAMES]
    entries.append(deflated(INDEX_NAME, index_for(base, data)))
    return write_zip(tmp / "hostile.zip", entries)


def run_verify(path: Path) -> tuple[int, str, int]:
    """Exit status, output and peak resident memory (kB) of `ballot verify` on ``path``."""
    out = path.with_suffix(".out")
    with open(out, "wb") as sink:
        code, peak_kb = run_measured(
            [str(BALLOT), "verify", str(path), "--jobs", "1"],
            stdout=sink,
            env={**os.environ, "COLUMNS": "400"},
        )
    return code, out.read_text(errors="replace"), peak_kb


def refused(path: Path, member: str) -> str:
    code, output, peak_kb = run_verify(path)
    assert code == 1, output
    assert "Traceback" not in output, output
    fail = [line for line in output.splitlines() if line.startswith("FAIL")]
    assert fail and member in fail[0], output
    assert peak_kb < PEAK_LIMIT_KB, f"peak memory {peak_kb} kB"
    return fail[0]


def _member(keyword: str) -> str:
    """``server_key_json`` -> ``server_key.json`` (keyword arguments cannot hold dots)."""
    stem, _, ext = keyword.rpartition("_")
    return f"{stem}.{ext}"


def _key(name: str) -> str:
    return name.replace(".", "_")


def _deep() -> bytes:
    return b"[" * DEEP + b"]" * DEEP


def _board_with_line(members: dict[str, bytes], line: bytes) -> bytes:
    lines = members["board.jsonl"].split(b"\n")
    lines[3] = line
    return b"\n".join(lines)


@pytest.mark.parametrize("member", [*MEMBER_NAMES, INDEX_NAME])
def test_deep_nesting_in_each_member(member: str, source: Source, tmp_path: Path) -> None:
    _base, members = source
    if member == INDEX_NAME:
        path = write_zip(
            tmp_path / "r.zip",
            [deflated(n, members[n]) for n in MEMBER_NAMES] + [deflated(INDEX_NAME, _deep())],
        )
    elif member == "board.jsonl":
        path = record_with(tmp_path, source, board_jsonl=_board_with_line(members, _deep()))
    else:
        path = record_with(tmp_path, source, **{_key(member): _deep()})
    assert "nested deeper than 64 levels" in refused(path, member)


@pytest.mark.parametrize("member", [*MEMBER_NAMES, INDEX_NAME])
def test_huge_integer_in_each_member(member: str, source: Source, tmp_path: Path) -> None:
    base, members = source
    huge = b"1" * 100_000
    if member == INDEX_NAME:
        text = canonical(base).replace(b'"format"', b'"x":' + huge + b',"format"', 1)
        path = write_zip(
            tmp_path / "r.zip",
            [deflated(n, members[n]) for n in MEMBER_NAMES] + [deflated(INDEX_NAME, text)],
        )
    elif member == "board.jsonl":
        raw = members["board.jsonl"].split(b"\n")[3].replace(b'"seq":3', b'"seq":' + huge)
        path = record_with(tmp_path, source, board_jsonl=_board_with_line(members, raw))
    else:
        path = record_with(tmp_path, source, **{_key(member): b'{"n":' + huge + b"}"})
    line = refused(path, member)
    assert "integer of 100000 characters" in line and "digits" not in line


@pytest.mark.parametrize("member", [*MEMBER_NAMES, INDEX_NAME])
def test_zip_bomb_of_each_member(member: str, source: Source, bomb: Bomb, tmp_path: Path) -> None:
    base, members = source
    data, crc, digest = bomb
    entries = {n: deflated(n, members[n]) for n in MEMBER_NAMES}
    listed: list[dict[str, object]] = [
        {"name": n, "sha256": hashlib.sha256(members[n]).hexdigest(), "bytes": len(members[n])}
        for n in MEMBER_NAMES
    ]
    for m in listed:
        if m["name"] == member:
            m.update(sha256=digest, bytes=BOMB_BYTES)
    index = {**base, "members": listed}
    entries[INDEX_NAME] = deflated(INDEX_NAME, canonical(index))
    entries[member] = Entry(member, data, BOMB_BYTES, crc)
    line = refused(write_zip(tmp_path / "r.zip", list(entries.values())), member)
    assert "ZIP bomb" in line or "more than the" in line


def test_a_lying_size_in_the_zip_is_not_inflated_past_it(
    source: Source, bomb: Bomb, tmp_path: Path
) -> None:
    """The ZIP and record.json both say 4 kB, the data inflates to 1 GiB: cut at 4 kB."""
    base, members = source
    data, crc, _ = bomb
    fake = b" " * 4096
    entries = {n: deflated(n, members[n]) for n in MEMBER_NAMES}
    entries["board.jsonl"] = Entry("board.jsonl", data, len(fake), crc)
    entries[INDEX_NAME] = deflated(INDEX_NAME, index_for(base, {**members, "board.jsonl": fake}))
    refused(write_zip(tmp_path / "r.zip", list(entries.values())), "board.jsonl")


@pytest.mark.parametrize("member", ["board.jsonl", "heads.json", INDEX_NAME])
def test_duplicate_member(member: str, source: Source, tmp_path: Path) -> None:
    base, members = source
    entries = [deflated(n, members[n]) for n in MEMBER_NAMES]
    entries.append(deflated(INDEX_NAME, index_for(base, members)))
    entries.append(deflated(member, b"{}"))
    assert "twice" in refused(write_zip(tmp_path / "r.zip", entries), member)


@pytest.mark.parametrize("member", ["board.jsonl", "result.json", INDEX_NAME])
def test_missing_member(member: str, source: Source, tmp_path: Path) -> None:
    base, members = source
    entries = [deflated(n, members[n]) for n in MEMBER_NAMES]
    entries.append(deflated(INDEX_NAME, index_for(base, members)))
    entries = [e for e in entries if e.name != member]
    assert "has no" in refused(write_zip(tmp_path / "r.zip", entries), member)


# cosignatures.json is read only by the witness check (--witness), not by a plain run.
@pytest.mark.parametrize(
    "member", [*(n for n in MEMBER_NAMES if n != "cosignatures.json"), INDEX_NAME]
)
def test_non_utf8_member(member: str, source: Source, tmp_path: Path) -> None:
    _base, members = source
    bad = b'{"a":"\xff\xfe"}'
    if member == INDEX_NAME:
        path = write_zip(
            tmp_path / "r.zip",
            [deflated(n, members[n]) for n in MEMBER_NAMES] + [deflated(INDEX_NAME, bad)],
        )
    elif member == "board.jsonl":
        line = members["board.jsonl"].split(b"\n")[3].replace(b'"kind":"', b'"kind":"\xff', 1)
        path = record_with(tmp_path, source, board_jsonl=_board_with_line(members, line))
    else:
        path = record_with(tmp_path, source, **{_key(member): bad})
    assert "utf-8" in refused(path, member)


def test_directory_entry(source: Source, tmp_path: Path) -> None:
    base, members = source
    entries = [deflated(n, members[n]) for n in MEMBER_NAMES if n != "board.jsonl"]
    entries.append(deflated("board.jsonl/", b"", stat.S_IFDIR | 0o755))
    entries.append(deflated(INDEX_NAME, index_for(base, members)))
    line = refused(write_zip(tmp_path / "r.zip", entries), "board.jsonl")
    assert "directory entry" in line


def test_symlink_entry(source: Source, tmp_path: Path) -> None:
    base, members = source
    entries = [deflated(n, members[n]) for n in MEMBER_NAMES if n != "result.json"]
    entries.append(deflated("result.json", b"/etc/passwd", stat.S_IFLNK | 0o777))
    entries.append(deflated(INDEX_NAME, index_for(base, members)))
    line = refused(write_zip(tmp_path / "r.zip", entries), "result.json")
    assert "symbolic link" in line


def test_the_good_record_still_passes_through_the_hand_written_zip(
    source: Source, tmp_path: Path
) -> None:
    """The writer above is faithful: an unchanged record written with it verifies."""
    code, output, _ = run_verify(record_with(tmp_path, source))
    assert code == 0, output


# --------------------------------------------------------------------------- the depth scan


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max([_depth(v) for v in value.values()], default=0)
    if isinstance(value, list):
        return 1 + max([_depth(v) for v in value], default=0)
    return 0


def test_the_depth_scan_agrees_with_the_parsed_depth() -> None:
    """Random documents with brackets, quotes and backslashes inside strings."""
    import json
    import random

    from ballot.record.bounded_json import JSONBoundsError, check_depth

    rnd = random.Random(17)
    texts = ["a[{", "]]", 'x\\"[[\\', '\\\\"]]{', "\u005b", ""]

    def document(room: int) -> object:
        if room == 0 or rnd.random() < 0.03:
            return rnd.choice([1, None, *texts])
        width = rnd.randint(0, 1 if room > 5 else 3)
        if rnd.random() < 0.5:
            return [document(room - 1) for _ in range(width)]
        return {f"{i}{rnd.choice(texts)}": document(room - 1) for i in range(width)}

    for _ in range(1500):
        value = document(rnd.randint(0, 90))
        text = json.dumps(value)
        limit = rnd.randint(1, 80)
        try:
            check_depth(text, limit)
            accepted = True
        except JSONBoundsError:
            accepted = False
        assert accepted == (_depth(value) <= limit), (text[:200], limit)


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("[" * 100_000, "nested deeper than 64"),  # unbalanced
        ("[}" + "[" * 100_000, "nested deeper than 64"),  # mismatched, then deep
        ('["]",' + "[" * 100 + "]" * 100 + "]", "nested deeper than 64"),  # "]" is text
        ('{"a":' * 70 + "1" + "}" * 70, "nested deeper than 64"),
        ('"' + "[" * 100_000, "Unterminated string"),  # all text: the parser never recurses
    ],
)
def test_hostile_nesting_is_refused_before_parsing(text: str, refusal: str) -> None:
    from ballot.record.bounded_json import bounded_loads

    with pytest.raises(ValueError, match=refusal):
        bounded_loads(text)
