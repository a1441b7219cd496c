"""Reading an election record's ZIP as hostile input: bounded, streamed, hashed once.

A record comes from anywhere, so before anything is inflated the container is
checked (no directory or link entries, no encryption, only stored or deflated
members, a small central directory), and every member's declared size against
the size ``record.json`` states, a hard ceiling and a compression ratio
(PROTOCOL.md 11.6).  Members are then inflated in chunks, hashed as they stream,
and never grow past the size they declare: a 2 MB ZIP that would inflate to 2 GB
is refused without inflating it.  The board is split into lines as it streams, so
it is held once, as its lines.
"""

from __future__ import annotations

import hashlib
import stat
import struct
import zipfile
import zlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

__all__ = [
    "MAX_BOARD_BYTES",
    "MAX_INDEX_BYTES",
    "MAX_LINE_BYTES",
    "MAX_MEMBER_BYTES",
    "MAX_RATIO",
    "BoardRead",
    "RecordFormatError",
    "RecordZip",
]

#: ``record.json`` itself (it lists nine members).
MAX_INDEX_BYTES: Final = 1024**2
#: Any other JSON member (a definition, a ceremony of many trustees, every signed head).
MAX_MEMBER_BYTES: Final = 64 * 1024**2
#: ``board.jsonl`` (a million-ballot board is about 1 GB).
MAX_BOARD_BYTES: Final = 4 * 1024**3
#: One board line (a ballot of many questions is some tens of kB).
MAX_LINE_BYTES: Final = 16 * 1024**2
#: Inflated size over compressed size, for members above :data:`RATIO_FLOOR` (records: 2-3).
MAX_RATIO: Final = 50
RATIO_FLOOR: Final = 1024**2
#: The central directory of a record of nine members is about 600 bytes.
MAX_DIRECTORY_BYTES: Final = 64 * 1024
_CHUNK: Final = 1024**2
_EOCD: Final = b"PK\x05\x06"
_ZIP64_LOCATOR: Final = b"PK\x06\x07"


class RecordFormatError(ValueError):
    """The file is not a well-formed election record (the message says what is wrong)."""


def ceiling(name: str, index_name: str, board_name: str) -> int:
    """The most bytes a reader accepts for member ``name``."""
    if name == index_name:
        return MAX_INDEX_BYTES
    return MAX_BOARD_BYTES if name == board_name else MAX_MEMBER_BYTES


def _directory_size(path: Path) -> int:
    """The central directory's size from the end record, read before :mod:`zipfile` parses it.

    A hostile ZIP could declare millions of entries in a few megabytes; Python would
    build an object per entry before anything else is checked.
    """
    with open(path, "rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - (65535 + 22)))
        tail = f.read()
        at = tail.rfind(_EOCD)
        if at < 0 or len(tail) - at < 22:
            raise RecordFormatError("not a readable election record (ZIP): no end of directory")
        directory = int(struct.unpack("<I", tail[at + 12 : at + 16])[0])
        locator = tail[at - 20 : at] if at >= 20 else b""
        if directory == 0xFFFFFFFF and locator.startswith(_ZIP64_LOCATOR):
            f.seek(int(struct.unpack("<Q", locator[8:16])[0]))
            record = f.read(56)
            directory = int(struct.unpack("<Q", record[40:48])[0]) if len(record) == 56 else -1
    return directory


@dataclass
class BoardRead:
    """The board as streamed: its lines, its digest and size, and the first format fault.

    A fault (an empty line, no final line feed) is kept, not raised, so that a member
    that does not match its hash is reported as that first.
    """

    lines: list[bytes]
    sha256: str
    size: int
    fault: str | None


class RecordZip:
    """The record's container, checked entry by entry; members are read on demand.

    The file is reopened for each read, so nothing stays open between the steps.
    """

    def __init__(
        self, path: Path, required: Collection[str], allowed: Collection[str] = ()
    ) -> None:
        self.path = Path(path)
        allowed = {*required, *allowed}
        try:
            if _directory_size(self.path) > MAX_DIRECTORY_BYTES:
                raise RecordFormatError(
                    f"the record's ZIP directory is larger than {MAX_DIRECTORY_BYTES} bytes "
                    "(a record has nine members)"
                )
            with zipfile.ZipFile(self.path) as zf:
                infos = zf.infolist()
        except (OSError, zipfile.BadZipFile, struct.error, ValueError) as exc:
            if isinstance(exc, RecordFormatError):
                raise
            raise RecordFormatError(f"not a readable election record (ZIP): {exc}") from exc
        self.infos: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            self._check_entry(info, allowed)
        for name in required:
            if name not in self.infos:
                raise RecordFormatError(f"the record has no {name}")

    def _check_entry(self, info: zipfile.ZipInfo, allowed: Collection[str]) -> None:
        name = info.filename
        mode = info.external_attr >> 16
        if info.is_dir():
            raise RecordFormatError(f"{name} is a directory entry, not a record member")
        if stat.S_ISLNK(mode):
            raise RecordFormatError(f"{name} is a symbolic link entry, not a record member")
        if name in self.infos:
            raise RecordFormatError(f"the record holds {name} twice")
        if name not in allowed:
            raise RecordFormatError(f"unexpected file in the record: {name!r}")
        if info.flag_bits & 0x1:
            raise RecordFormatError(f"{name} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise RecordFormatError(f"{name} uses a compression other than deflate")
        self.infos[name] = info

    def check_size(self, name: str, stated: int, limit: int) -> None:
        """Before inflating: the stated size within the ceiling, the ZIP's size equal to
        it, and a plausible compression ratio."""
        info = self.infos[name]
        if stated > limit:
            raise RecordFormatError(
                f"{name}: {stated} bytes, more than the {limit} bytes a verifier reads"
            )
        if info.file_size != stated:
            raise RecordFormatError(
                f"member {name} does not match its SHA-256 in record.json "
                f"(its size in the ZIP is {info.file_size} bytes, record.json says {stated})"
            )
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * info.compress_size:
            raise RecordFormatError(
                f"{name}: compressed more than {MAX_RATIO}:1 "
                f"({info.compress_size} bytes inflating to {info.file_size}): a ZIP bomb"
            )

    def _chunks(self, name: str, limit: int) -> Iterator[bytes]:
        info = self.infos[name]
        if info.file_size > limit:
            raise RecordFormatError(
                f"{name}: {info.file_size} bytes, more than the {limit} bytes a verifier reads"
            )
        try:
            with zipfile.ZipFile(self.path) as zf, zf.open(info) as member:
                yield from _bounded(member, name, info.file_size)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError) as exc:
            raise RecordFormatError(f"{name} is damaged: {exc}") from exc

    def read(self, name: str, limit: int) -> tuple[bytes, str]:
        """A member's bytes and SHA-256, inflated at most to its declared size."""
        digest = hashlib.sha256()
        parts = []
        for chunk in self._chunks(name, limit):
            digest.update(chunk)
            parts.append(chunk)
        return b"".join(parts), digest.hexdigest()

    def read_lines(self, name: str, limit: int) -> BoardRead:
        """A JSON-lines member, hashed and split as it streams (never held twice)."""
        digest = hashlib.sha256()
        lines: list[bytes] = []
        fault: str | None = None
        rest = b""
        size = 0
        for chunk in self._chunks(name, limit):
            digest.update(chunk)
            size += len(chunk)
            parts = (rest + chunk).split(b"\n")
            rest = parts.pop()
            if len(rest) > MAX_LINE_BYTES:
                raise RecordFormatError(
                    f"{name} line {len(lines) + 1} is longer than {MAX_LINE_BYTES} bytes"
                )
            for part in parts:
                if fault is None and not part.strip():
                    fault = f"{name} line {len(lines) + 1} is empty"
                if len(part) > MAX_LINE_BYTES:
                    raise RecordFormatError(
                        f"{name} line {len(lines) + 1} is longer than {MAX_LINE_BYTES} bytes"
                    )
                lines.append(part)
        if rest:
            lines.append(rest)
            fault = f"{name} must end with a line feed"
        return BoardRead(lines, digest.hexdigest(), size, fault)


def _bounded(member: IO[bytes], name: str, declared: int) -> Iterator[bytes]:
    """Chunks of an open member; never more than ``declared`` bytes (a lying header)."""
    total = 0
    while chunk := member.read(_CHUNK):
        total += len(chunk)
        if total > declared:
            raise RecordFormatError(f"{name} inflates to more than its declared {declared} bytes")
        yield chunk
