"""Bridge between stored rows and the record layer's hash chains.

Keeping this in one place means the storage code never computes a hash itself: the
board and audit log entries are built by :mod:`ballot.record`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import rfc8785

GENESIS = "0" * 64


@dataclass(frozen=True)
class Linked:
    seq: int
    kind: str
    at: str
    payload_json: str
    prev: str
    hash: str


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _link(seq: int, kind: str, at: str, payload: dict[str, Any], prev: str) -> Linked:
    body = {"seq": seq, "kind": kind, "at": at, "payload": payload, "prev": prev}
    digest = hashlib.sha256(rfc8785.dumps(body)).hexdigest()
    return Linked(seq, kind, at, rfc8785.dumps(payload).decode(), prev, digest)


def board_append(last: Any | None, kind: str, payload: dict[str, Any], at: datetime) -> Linked:
    seq = 0 if last is None else last.seq + 1
    prev = GENESIS if last is None else last.hash
    return _link(seq, kind, iso(at), payload, prev)


def audit_append(last: Any | None, action: str, detail: dict[str, Any], at: datetime) -> Linked:
    return board_append(last, action, detail, at)


def loads(text: str) -> dict[str, Any]:
    return json.loads(text)
