"""The downloadable election record: one ZIP file of JSON documents.

Why a ZIP of plain JSON: an observer, a union's lawyer or a labour board
must be able to keep the record for a year (the retention rule), open it
with ordinary tools and check it with *any* independent verifier, so the
format is a documented container of documented JSON -- nothing here needs
this code base to read.

Layout (``/work/notes/protocol-record.md`` gives the bytes):

``record.json``
    the index: format tag, election id, manifest hash, fingerprint, the hash
    of the last board entry, and every other member with its SHA-256 and size.
``definition.json``, ``ceremony.json``
    the election definition and the key-ceremony transcript.
``board.jsonl``
    every bulletin-board entry in order, one JSON object per line.
``heads.json``, ``server_key.json``
    the server's signed chained heads of the board and its Ed25519 key.
``tally.json``, ``partials.json``, ``result.json``
    conveniences copied from the board; the verifier requires them to equal
    the board entries they copy, so they can never tell a different story.

The board is the single source of truth: everything the verifier concludes
comes from the board, and the other members are cross-checked against it.
Members are stored with fixed timestamps in a fixed order, so the same
election always produces byte-identical records.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import rfc8785

from ballot.election.result import RESULT_FORMAT as _RESULT_FORMAT
from ballot.record.canonical import strict_loads
from ballot.record.kinds import NOTE_PREFIX as NOTE_PREFIX
from ballot.record.kinds import Kind

__all__ = [
    "INDEX_NAME",
    "MEMBER_NAMES",
    "RECORD_FORMAT",
    "ElectionRecord",
    "RecordFormatError",
    "board_line",
    "canonical",
    "read_record",
    "write_record",
]

RECORD_FORMAT: Final = "ballot/election-record/v1"
INDEX_NAME: Final = "record.json"
#: Every member besides the index, in the order they are stored.
MEMBER_NAMES: Final = (
    "definition.json",
    "ceremony.json",
    "board.jsonl",
    "heads.json",
    "server_key.json",
    "tally.json",
    "partials.json",
    "result.json",
)
#: 1980-01-01 00:00:00, the earliest ZIP date: members carry no real time, so
#: the bytes of a record depend only on its contents.
_ZIP_TIME: Final = (1980, 1, 1, 0, 0, 0)
#: Refuse members that decompress to more than this (a hostile ZIP bomb);
#: a million-ballot board is about 1 GB.
MAX_MEMBER_BYTES: Final = 4 * 1024**3
_HEX64 = re.compile(r"[0-9a-f]{64}")

# The board's kinds are named in ballot.record.kinds; these aliases keep older imports working
# for one release (new code names ``Kind.CAST`` etc.).
KIND_DEFINED: Final = Kind.DEFINED
KIND_WITHDRAWN: Final = Kind.WITHDRAWN
KIND_CEREMONY: Final = Kind.CEREMONY
KIND_ROLL: Final = Kind.ROLL
KIND_OPENED: Final = Kind.OPENED
KIND_CAST: Final = Kind.CAST
KIND_CHALLENGED: Final = Kind.CHALLENGED
KIND_AUDITED: Final = Kind.AUDITED
KIND_CLOSED: Final = Kind.CLOSED
KIND_DECIDED: Final = Kind.DECIDED
KIND_TALLY: Final = Kind.TALLY
KIND_PARTIAL: Final = Kind.PARTIAL
KIND_RESULT: Final = Kind.RESULT
KIND_CERTIFIED: Final = Kind.CERTIFIED
#: The result's format tag (``tally.result`` payloads and ``result.json``), set by the result rule.
RESULT_FORMAT: Final = _RESULT_FORMAT


def slot_label(question: int, slot: int) -> str:
    """The label that binds a partial decryption to its tally slot: ``q<question>/s<slot>``."""
    return f"q{question}/s{slot}"


class RecordFormatError(ValueError):
    """The file is not a well-formed election record (the message says what is wrong)."""


def canonical(value: object) -> bytes:
    """RFC 8785 canonical JSON bytes: the one spelling used for every JSON member."""
    return rfc8785.dumps(value)  # type: ignore[arg-type]


def board_line(entry: Mapping[str, Any]) -> bytes:
    """One line of ``board.jsonl``: the canonical JSON of the entry, then LF."""
    return canonical(dict(entry)) + b"\n"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_record(
    path: Path,
    *,
    election_id: str,
    manifest_hash: str,
    fingerprint: str,
    definition: Mapping[str, Any],
    ceremony: Mapping[str, Any],
    board: Iterable[bytes],
    heads: Sequence[Mapping[str, Any]],
    server_key: Mapping[str, Any],
    tally: Mapping[str, Any],
    partials: Sequence[Mapping[str, Any]],
    result: Mapping[str, Any],
    board_head: str,
) -> None:
    """Write a record.  ``board`` yields the lines of board.jsonl (see :func:`board_line`).

    The index goes last in the ZIP (its hashes are known only then), but it is
    the first thing a reader looks up, by name.
    """
    members: dict[str, bytes] = {
        "definition.json": canonical(dict(definition)),
        "ceremony.json": canonical(dict(ceremony)),
        "board.jsonl": b"".join(board),
        "heads.json": canonical([dict(h) for h in heads]),
        "server_key.json": canonical(dict(server_key)),
        "tally.json": canonical(dict(tally)),
        "partials.json": canonical([dict(p) for p in partials]),
        "result.json": canonical(dict(result)),
    }
    index = {
        "format": RECORD_FORMAT,
        "election_id": election_id,
        "manifest_hash": manifest_hash,
        "fingerprint": fingerprint,
        "board_head": board_head,
        "members": [
            {"name": name, "sha256": _sha256(members[name]), "bytes": len(members[name])}
            for name in MEMBER_NAMES
        ],
    }
    path = Path(path)
    tmp = path.with_name(path.name + ".partial")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name in MEMBER_NAMES:
            zf.writestr(_info(name), members[name])
        zf.writestr(_info(INDEX_NAME), canonical(index))
    tmp.replace(path)


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


@dataclass(frozen=True)
class ElectionRecord:
    """A record as read from disk: the parsed index and every member's raw bytes.

    Nothing is trusted yet: :meth:`check_members` compares the bytes with the
    index, and the verifier checks everything else.
    """

    index: Mapping[str, Any]
    members: Mapping[str, bytes]

    @property
    def election_id(self) -> str:
        return str(self.index["election_id"])

    def check_members(self) -> None:
        """Every member listed with the right size and SHA-256, and nothing unlisted."""
        for item in self.index["members"]:
            name = item["name"]
            data = self.members[name]
            if len(data) != item["bytes"] or _sha256(data) != item["sha256"]:
                raise RecordFormatError(
                    f"member {name} does not match its SHA-256 in {INDEX_NAME} "
                    "(changed after the record was written)"
                )

    def json(self, name: str) -> Any:
        """Parse a JSON member (refusing duplicate keys and non-finite numbers)."""
        return parse_json(self.members[name], name)

    def board_lines(self) -> list[bytes]:
        """The lines of board.jsonl, without their line ends (no empty lines allowed)."""
        data = self.members["board.jsonl"]
        if not data:
            return []
        if not data.endswith(b"\n"):
            raise RecordFormatError("board.jsonl must end with a line feed")
        lines = data[:-1].split(b"\n")
        for i, line in enumerate(lines):
            if not line.strip():
                raise RecordFormatError(f"board.jsonl line {i + 1} is empty")
        return lines


def parse_json(data: bytes | str, where: str) -> Any:
    """Strict JSON: UTF-8, no duplicate keys (two readers must never see two values)."""
    try:
        return strict_loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RecordFormatError(f"{where} is not valid JSON: {exc}") from exc


def read_record(path: Path) -> ElectionRecord:
    """Open a record; check its container and index shape (not yet the hashes).

    Refused: not a ZIP; duplicate or unexpected member names (which also stops
    path tricks such as ``../x``); a missing member; an index with another
    format tag or a malformed member list.
    """
    try:
        zf = zipfile.ZipFile(Path(path))
    except (OSError, zipfile.BadZipFile) as exc:
        raise RecordFormatError(f"not a readable election record (ZIP): {exc}") from exc
    with zf:
        infos = zf.infolist()
        names = [i.filename for i in infos]
        allowed = {INDEX_NAME, *MEMBER_NAMES}
        for name in names:
            if names.count(name) > 1:
                raise RecordFormatError(f"the record holds {name} twice")
            if name not in allowed:
                raise RecordFormatError(f"unexpected file in the record: {name!r}")
        for name in (INDEX_NAME, *MEMBER_NAMES):
            if name not in names:
                raise RecordFormatError(f"the record has no {name}")
        for info in infos:
            if info.file_size > MAX_MEMBER_BYTES:
                raise RecordFormatError(f"{info.filename} is implausibly large")
        try:
            raw = {name: zf.read(name) for name in names}
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise RecordFormatError(f"the record is damaged: {exc}") from exc
    index = parse_json(raw.pop(INDEX_NAME), INDEX_NAME)
    _check_index(index)
    return ElectionRecord(index, raw)


def _check_index(index: Any) -> None:
    keys = {"format", "election_id", "manifest_hash", "fingerprint", "board_head", "members"}
    if not isinstance(index, dict) or set(index) != keys:
        raise RecordFormatError(f"{INDEX_NAME} must be an object with exactly {sorted(keys)}")
    if index["format"] != RECORD_FORMAT:
        raise RecordFormatError(
            f"unsupported record format {index['format']!r} (this verifier reads {RECORD_FORMAT})"
        )
    if not isinstance(index["election_id"], str) or not index["election_id"]:
        raise RecordFormatError(f"{INDEX_NAME}: election_id must be a non-empty string")
    for key in ("manifest_hash", "fingerprint", "board_head"):
        if not isinstance(index[key], str) or not _HEX64.fullmatch(index[key]):
            raise RecordFormatError(f"{INDEX_NAME}: {key} must be 64 lowercase hex characters")
    members = index["members"]
    if not isinstance(members, list) or [
        m.get("name") if isinstance(m, dict) else None for m in members
    ] != list(MEMBER_NAMES):
        raise RecordFormatError(f"{INDEX_NAME}: members must list {', '.join(MEMBER_NAMES)}")
    for m in members:
        if (
            set(m) != {"name", "sha256", "bytes"}
            or not isinstance(m["sha256"], str)
            or not _HEX64.fullmatch(m["sha256"])
            or type(m["bytes"]) is not int
            or m["bytes"] < 0
        ):
            raise RecordFormatError(f"{INDEX_NAME}: member {m['name']} needs sha256 and bytes")
