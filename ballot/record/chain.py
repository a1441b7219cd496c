"""Hash chaining shared by the public bulletin board and the administrative audit log.

A chain is a list of entries numbered 0, 1, 2, ... where each entry carries ``prev``, the
hash of the entry before it (64 zeros for the first).  An entry's hash is SHA-256 over the
RFC 8785 bytes of its *body*: every field, ``seq`` and ``prev`` included, but not the hash
itself.  Changing, dropping, inserting or swapping any entry therefore breaks the link to
the entry after it; the last entry is protected by comparing against a signed head.

The two logs differ only in their fields, so each entry type just says what its body is
(:class:`Linked`) and the rules below are written once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from ballot.record.canonical import JSON, CanonicalError, canonical_json, sha256_hex

#: ``prev`` of entry 0.
GENESIS = "0" * 64

_HEX64 = re.compile(r"[0-9a-f]{64}")
_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


class ChainError(ValueError):
    """The chain does not verify; the message names the first bad ``seq``.

    ``seq`` repeats that position as a number (``None`` if unknown), so a caller that
    gathers failures from several places, like the verifier, can report the earliest.
    """

    def __init__(self, message: str, seq: int | None = None) -> None:
        super().__init__(message)
        self.seq = seq


class Linked(Protocol):
    """What an entry must offer to be chained."""

    @property
    def seq(self) -> int: ...

    @property
    def prev(self) -> str: ...

    def body(self) -> dict[str, JSON]:
        """Every field that the hash covers (``seq`` and ``prev`` included)."""
        ...


def body_hash(body: Mapping[str, JSON]) -> str:
    """The hash of an entry with this body."""
    return sha256_hex(canonical_json(body))


def entry_hash(entry: Linked) -> str:
    return body_hash(entry.body())


def next_link(prev: Linked | None) -> tuple[int, str]:
    """``(seq, prev)`` for the entry that follows ``prev`` (``None``: the first entry)."""
    if prev is None:
        return 0, GENESIS
    return prev.seq + 1, entry_hash(prev)


def is_hash(value: object) -> bool:
    return isinstance(value, str) and _HEX64.fullmatch(value) is not None


def format_at(moment: datetime) -> str:
    """ISO-8601 UTC at second precision ("2026-11-24T16:00:00Z"), the only spelling on record.

    Sub-second digits are dropped rather than rounded so a time never moves forward.
    Naive datetimes are refused: guessing a time zone would put a wrong time on the record.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a time on the record must be time-zone aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_at(at: object) -> str:
    """``at`` itself if it is a valid record time string, else :class:`ValueError`."""
    if not isinstance(at, str) or _AT.fullmatch(at) is None:
        raise ValueError(
            f"time {at!r} is not ISO-8601 UTC at second precision (YYYY-MM-DDTHH:MM:SSZ)"
        )
    try:
        datetime.strptime(at, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError as exc:
        raise ValueError(f"time {at!r} is not a real date and time") from exc
    return at


def parse_at(at: str) -> datetime:
    return datetime.strptime(check_at(at), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def record_at(at: str | datetime) -> str:
    """An entry's time as given: a record time string as is, an aware datetime formatted."""
    return format_at(at) if isinstance(at, datetime) else at


# Both logs' entries are frozen dataclasses checked on construction; these are the checks
# they share, each raising the log's own format error (a ValueError subclass).


def check_seq(seq: object, error: type[ValueError]) -> str:
    """``"seq N"`` (how later messages name the entry) if ``seq`` is a valid position."""
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise error(f"seq {seq!r} is not a non-negative integer")
    return f"seq {seq}"


def check_envelope(
    where: str, at: object, name: str, content: object, prev: object, error: type[ValueError]
) -> None:
    """The time, the JSON object ``name`` (payload, details) and ``prev`` of one entry."""
    try:
        check_at(at)
    except ValueError as exc:
        raise error(f"{where}: {exc}") from exc
    if not isinstance(content, dict):
        raise error(f"{where}: {name} must be a JSON object")
    try:
        canonical_json(content)
    except CanonicalError as exc:
        raise error(f"{where}: {name} {exc}") from exc
    if not is_hash(prev):
        raise error(f"{where}: prev is not 64 lower-case hex digits")


def with_hash(entry: Linked) -> dict[str, JSON]:
    """The published form of an entry: its body plus its hash (a convenience for readers)."""
    out = entry.body()
    out["hash"] = entry_hash(entry)
    return out


def read_fields(
    data: object, fields: Sequence[str], error: type[ValueError], what: str
) -> list[Any]:
    """The values of ``fields``, in order, from a published entry (``hash`` may be there too).

    ``what`` names the entry in the message for a non-object ("an entry").
    """
    if not isinstance(data, Mapping):
        raise error(f"{what} must be a JSON object")
    missing = set(fields) - set(data)
    extra = set(data) - set(fields) - {"hash"}
    label = f"seq {data.get('seq')!r}"
    if missing:
        raise error(f"{label}: missing field(s) {', '.join(sorted(missing))}")
    if extra:
        raise error(f"{label}: unknown field(s) {', '.join(sorted(extra))}")
    return [data[name] for name in fields]


def check_stated_hash(data: Mapping[str, Any], entry: Linked) -> None:
    """A published ``hash``, if present, must be the hash of the content it came with."""
    if "hash" in data and data["hash"] != entry_hash(entry):
        raise ChainError(
            f"seq {entry.seq}: stored hash does not match the entry's content", entry.seq
        )


def verify_links(
    entries: Sequence[Linked],
    head: str | None = None,
    *,
    hashes: Sequence[str] | None = None,
    after: tuple[int, str] | None = None,
) -> None:
    """Check numbering and links of a whole chain, from entry 0.

    ``head``, when given, is the hash the last entry must have (taken from a signed head);
    without it, a changed or dropped *last* entry cannot be noticed, since nothing after
    it points to it.  Raises :class:`ChainError` naming the first ``seq`` that fails.

    ``hashes``, when given, are the entries' hashes already computed elsewhere (one per
    entry, in order): the verifier hashes ballot entries in worker processes, and must
    not pay for hashing them twice.  The caller then answers for those hashes being right.

    ``after``, when given, is ``(seq, hash)`` of the entry already checked before these:
    a witness following a growing board checks each new page as it arrives.
    """
    if hashes is not None and len(hashes) != len(entries):
        raise ValueError(f"{len(hashes)} hashes given for {len(entries)} entries")
    first, expected_prev = (0, GENESIS) if after is None else (after[0] + 1, after[1])
    for index, entry in enumerate(entries):
        position = first + index
        if entry.seq != position:
            if entry.seq > position:
                raise ChainError(
                    f"seq {position}: missing (found seq {entry.seq} in its place; "
                    "entries were removed or reordered)",
                    position,
                )
            raise ChainError(
                f"seq {position}: found seq {entry.seq} again "
                "(entries were duplicated, inserted or reordered)",
                position,
            )
        if entry.prev != expected_prev:
            if position == 0:
                raise ChainError("seq 0: prev must be 64 zeros", 0)
            raise ChainError(
                f"seq {position}: prev does not match the hash of seq {position - 1} "
                f"(seq {position - 1} was altered, or seq {position} does not belong after it)",
                position,
            )
        expected_prev = entry_hash(entry) if hashes is None else hashes[index]
    if head is not None:
        if not entries:
            raise ChainError("seq 0: the chain is empty but a head was expected", 0)
        if expected_prev != head:
            last = first + len(entries) - 1
            raise ChainError(
                f"seq {last}: its hash does not match the signed head "
                f"(seq {last} was altered, or entries after it were removed)",
                last,
            )
