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
from pathlib import Path
from typing import Any, Final

import rfc8785

from ballot.election.result import RESULT_FORMAT as _RESULT_FORMAT
from ballot.record.bounded_json import JSONBoundsError
from ballot.record.canonical import canonical_fault, strict_loads
from ballot.record.kinds import NOTE_PREFIX as NOTE_PREFIX
from ballot.record.kinds import Kind
from ballot.record.reader import BoardRead, RecordFormatError, RecordZip, ceiling

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

#: The index's format tag per protocol version (PROTOCOL 11.1); a reader accepts both.
RECORD_FORMATS: Final = {1: "ballot/election-record/v1", 2: "ballot/election-record/v2"}
#: The version this code writes for an election defined with a board key.
CURRENT_VERSION: Final = 2
RECORD_FORMAT: Final = RECORD_FORMATS[CURRENT_VERSION]
INDEX_NAME: Final = "record.json"
#: Every member besides the index, in the order they are stored, per protocol version.
MEMBERS_BY_VERSION: Final = {
    1: (
        "definition.json",
        "ceremony.json",
        "board.jsonl",
        "heads.json",
        "server_key.json",
        "tally.json",
        "partials.json",
        "result.json",
    ),
    2: (
        "definition.json",
        "ceremony.json",
        "board.jsonl",
        "heads.json",
        "cosignatures.json",
        "server_key.json",
        "tally.json",
        "partials.json",
        "result.json",
    ),
}
#: The members of a version-1 record (older imports).
MEMBER_NAMES: Final = MEMBERS_BY_VERSION[1]
_ANY_MEMBER: Final = tuple(sorted({n for names in MEMBERS_BY_VERSION.values() for n in names}))
#: 1980-01-01 00:00:00, the earliest ZIP date: members carry no real time, so
#: the bytes of a record depend only on its contents.
_ZIP_TIME: Final = (1980, 1, 1, 0, 0, 0)
BOARD_NAME: Final = "board.jsonl"
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
    version: int = 1,
    cosignatures: Sequence[Mapping[str, Any]] = (),
) -> None:
    """Write a record.  ``board`` yields the lines of board.jsonl (see :func:`board_line`).

    ``version`` 2 adds ``cosignatures.json`` (the witnesses' cosigned heads); version 1
    is written for elections defined before the board key was bound to the definition.

    The index goes last in the ZIP (its hashes are known only then), but it is
    the first thing a reader looks up, by name.
    """
    members: dict[str, bytes] = {
        "definition.json": canonical(dict(definition)),
        "ceremony.json": canonical(dict(ceremony)),
        "board.jsonl": b"".join(board),
        "heads.json": canonical([dict(h) for h in heads]),
        "cosignatures.json": canonical([dict(c) for c in cosignatures]),
        "server_key.json": canonical(dict(server_key)),
        "tally.json": canonical(dict(tally)),
        "partials.json": canonical([dict(p) for p in partials]),
        "result.json": canonical(dict(result)),
    }
    names = MEMBERS_BY_VERSION[version]
    index = {
        "format": RECORD_FORMATS[version],
        "election_id": election_id,
        "manifest_hash": manifest_hash,
        "fingerprint": fingerprint,
        "board_head": board_head,
        "members": [
            {"name": name, "sha256": _sha256(members[name]), "bytes": len(members[name])}
            for name in names
        ],
    }
    path = Path(path)
    tmp = path.with_name(path.name + ".partial")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name in names:
            zf.writestr(_info(name), members[name])
        zf.writestr(_info(INDEX_NAME), canonical(index))
    tmp.replace(path)


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


class ElectionRecord:
    """A record opened from disk: its parsed index, its members read on demand.

    Nothing is trusted yet: :meth:`check_members` streams every member once within
    the bounds of :mod:`ballot.record.reader`, compares it with the index and keeps
    it (the board as its lines); the verifier checks everything else.
    """

    def __init__(
        self, index: Mapping[str, Any], container: RecordZip, index_bytes: bytes = b""
    ) -> None:
        self.index = index
        self._index_bytes = index_bytes
        self._zip = container
        self._data: dict[str, bytes] = {}
        self._board: BoardRead | None = None

    @property
    def election_id(self) -> str:
        return str(self.index["election_id"])

    @property
    def version(self) -> int:
        """The protocol version the record was written to (1 or 2; PROTOCOL 11.1)."""
        return next(v for v, tag in RECORD_FORMATS.items() if tag == self.index["format"])

    @property
    def member_names(self) -> tuple[str, ...]:
        """The members of this record's version, in stored order (the index excluded)."""
        return MEMBERS_BY_VERSION[self.version]

    def _stated(self, name: str) -> int:
        return next(int(m["bytes"]) for m in self.index["members"] if m["name"] == name)

    def _limit(self, name: str) -> int:
        return ceiling(name, INDEX_NAME, BOARD_NAME)

    def _read_board(self) -> BoardRead:
        if self._board is None:
            self._zip.check_size(BOARD_NAME, self._stated(BOARD_NAME), self._limit(BOARD_NAME))
            self._board = self._zip.read_lines(BOARD_NAME, self._limit(BOARD_NAME))
        return self._board

    def _read(self, name: str) -> tuple[bytes, str]:
        self._zip.check_size(name, self._stated(name), self._limit(name))
        data, digest = self._zip.read(name, self._limit(name))
        self._data[name] = data
        return data, digest

    def check_members(self) -> None:
        """Every member within its bounds, with the right size and SHA-256, its JSON
        within the depth and number bounds and written canonically (RFC 8785, PROTOCOL
        11.1; the board's lines are checked as the board is read); read once and kept."""
        _check_canonical(self._index_bytes, self.index, INDEX_NAME)
        for item in self.index["members"]:
            name = item["name"]
            if name == BOARD_NAME:
                board = self._read_board()
                size, digest = board.size, board.sha256
            else:
                data, digest = self._read(name)
                size = len(data)
            if size != item["bytes"] or digest != item["sha256"]:
                raise RecordFormatError(
                    f"member {name} does not match its SHA-256 in {INDEX_NAME} "
                    "(changed after the record was written)"
                )
            if name != BOARD_NAME:
                _check_bounds(self._data[name], name)

    @property
    def members(self) -> Mapping[str, bytes]:
        """Every member's bytes (the board joined again): for tools and tests, not the verifier."""
        out: dict[str, bytes] = {}
        for name in self.member_names:
            if name == BOARD_NAME:
                out[name] = b"".join(line + b"\n" for line in self._read_board().lines)
            else:
                out[name] = self._data[name] if name in self._data else self._read(name)[0]
        return out

    def json(self, name: str) -> Any:
        """Parse a JSON member (refusing duplicate keys, non-finite numbers, deep nesting)."""
        data = self._data[name] if name in self._data else self._read(name)[0]
        return parse_json(data, name)

    def board_lines(self) -> list[bytes]:
        """The lines of board.jsonl, without their line ends (no empty lines allowed)."""
        board = self._read_board()
        if board.fault is not None:
            raise RecordFormatError(board.fault)
        return board.lines


def _check_bounds(data: bytes, where: str) -> None:
    """Refuse a member beyond the JSON bounds, or not written canonically, at once (its
    syntax is checked where it is used, so a member that does not parse passes here)."""
    try:
        value = strict_loads(data)
    except JSONBoundsError as exc:
        raise RecordFormatError(f"{where}: {exc} (PROTOCOL 11.6)") from exc
    except ValueError:
        return
    _check_canonical(data, value, where)


def _check_canonical(data: bytes, value: object, where: str) -> None:
    fault = canonical_fault(data, value)
    if fault is not None:
        raise RecordFormatError(
            f"member {where} is not written canonically: {fault} (PROTOCOL 11.1: every JSON "
            "member is exactly the RFC 8785 bytes of its value)"
        )


def parse_json(data: bytes | str, where: str) -> Any:
    """Strict JSON: UTF-8, no duplicate keys (two readers must never see two values),
    within the depth and number bounds."""
    try:
        return strict_loads(data)
    except JSONBoundsError as exc:
        raise RecordFormatError(f"{where}: {exc} (PROTOCOL 11.6)") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise RecordFormatError(f"{where} is not valid JSON: {exc}") from exc


def read_record(path: Path) -> ElectionRecord:
    """Open a record; check its container and index shape (not yet the hashes).

    Refused: not a ZIP; duplicate or unexpected member names (which also stops
    path tricks such as ``../x``), directory or link entries; a missing member; an
    index beyond its bounds, with another format tag or a malformed member list.
    Members are not read yet (:meth:`ElectionRecord.check_members` does).
    """
    container = RecordZip(Path(path), (INDEX_NAME,), _ANY_MEMBER)
    index_limit = ceiling(INDEX_NAME, INDEX_NAME, BOARD_NAME)
    info = container.infos[INDEX_NAME]
    container.check_size(INDEX_NAME, info.file_size, index_limit)  # no index to state it
    raw, _ = container.read(INDEX_NAME, index_limit)
    index = parse_json(raw, INDEX_NAME)
    version = _check_index(index)
    for name in MEMBERS_BY_VERSION[version]:
        if name not in container.infos:
            raise RecordFormatError(f"the record has no {name}")
    for name in container.infos:
        if name != INDEX_NAME and name not in MEMBERS_BY_VERSION[version]:
            raise RecordFormatError(
                f"unexpected file in the record: {name!r} (not a member of a v{version} record)"
            )
    return ElectionRecord(index, container, raw)


def _check_index(index: Any) -> int:
    """Check the index's shape; return the record's protocol version."""
    keys = {"format", "election_id", "manifest_hash", "fingerprint", "board_head", "members"}
    if not isinstance(index, dict) or set(index) != keys:
        raise RecordFormatError(f"{INDEX_NAME} must be an object with exactly {sorted(keys)}")
    versions = {tag: v for v, tag in RECORD_FORMATS.items()}
    if not isinstance(index["format"], str) or index["format"] not in versions:
        readable = " and ".join(RECORD_FORMATS.values())
        raise RecordFormatError(
            f"unsupported record format {index['format']!r} (this verifier reads {readable})"
        )
    version = versions[index["format"]]
    member_names = MEMBERS_BY_VERSION[version]
    if not isinstance(index["election_id"], str) or not index["election_id"]:
        raise RecordFormatError(f"{INDEX_NAME}: election_id must be a non-empty string")
    for key in ("manifest_hash", "fingerprint", "board_head"):
        if not isinstance(index[key], str) or not _HEX64.fullmatch(index[key]):
            raise RecordFormatError(f"{INDEX_NAME}: {key} must be 64 lowercase hex characters")
    members = index["members"]
    if not isinstance(members, list) or [
        m.get("name") if isinstance(m, dict) else None for m in members
    ] != list(member_names):
        raise RecordFormatError(f"{INDEX_NAME}: members must list {', '.join(member_names)}")
    for m in members:
        if (
            set(m) != {"name", "sha256", "bytes"}
            or not isinstance(m["sha256"], str)
            or not _HEX64.fullmatch(m["sha256"])
            or type(m["bytes"]) is not int
            or m["bytes"] < 0
        ):
            raise RecordFormatError(f"{INDEX_NAME}: member {m['name']} needs sha256 and bytes")
    return version
