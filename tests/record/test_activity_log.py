from __future__ import annotations

import hashlib
from typing import Any

import pytest
import rfc8785

from ballot.record.activity_log import (
    ActivityEntry,
    ActivityLogFormatError,
    append_activity,
    verify_activity_log,
)
from ballot.record.chain import GENESIS, ChainError

AT = "2026-11-24T16:00:00Z"


def make_log(n: int) -> list[ActivityEntry]:
    log: list[ActivityEntry] = []
    prev = None
    for i in range(n):
        prev = append_activity(prev, "admin@example.org", "roll.import", {"rows": i}, AT)
        log.append(prev)
    return log


def test_activity_log_hash_covers_actor() -> None:
    entry = append_activity(None, "scheduler", "lifecycle.open", {"election": "e1"}, AT)
    body: dict[str, Any] = {
        "seq": 0,
        "actor": "scheduler",
        "action": "lifecycle.open",
        "at": AT,
        "details": {"election": "e1"},
        "prev": GENESIS,
    }
    assert entry.hash == hashlib.sha256(rfc8785.dumps(body)).hexdigest()


def test_activity_log_chain_detects_changed_actor() -> None:
    log = make_log(4)
    verify_activity_log(log, head=log[-1].hash)
    e = log[1]
    log[1] = ActivityEntry(e.seq, "someone.else@example.org", e.action, e.at, e.details, e.prev)
    with pytest.raises(ChainError, match="seq 2"):
        verify_activity_log(log)


def test_activity_log_round_trip_and_format() -> None:
    log = make_log(2)
    assert [ActivityEntry.from_json(e.to_json()) for e in log] == log
    bad = log[0].to_json()
    bad["actor"] = "x"
    with pytest.raises(ChainError, match="seq 0"):
        ActivityEntry.from_json(bad)
    with pytest.raises(ActivityLogFormatError):
        append_activity(None, "", "roll.import", {}, AT)
    with pytest.raises(ActivityLogFormatError):
        append_activity(None, "a", "roll.import", {"x": 1.5}, AT)  # type: ignore[dict-item]  # deliberately the wrong type
