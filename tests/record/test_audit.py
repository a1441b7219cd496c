from __future__ import annotations

import hashlib

import pytest
import rfc8785

from ballot.record.audit import AuditEntry, AuditFormatError, append_audit, verify_audit
from ballot.record.chain import GENESIS, ChainError

AT = "2026-11-24T16:00:00Z"


def make_log(n: int) -> list[AuditEntry]:
    log: list[AuditEntry] = []
    prev = None
    for i in range(n):
        prev = append_audit(prev, "admin@example.org", "roll.import", {"rows": i}, AT)
        log.append(prev)
    return log


def test_audit_hash_covers_actor() -> None:
    entry = append_audit(None, "scheduler", "lifecycle.open", {"election": "e1"}, AT)
    body = {
        "seq": 0,
        "actor": "scheduler",
        "action": "lifecycle.open",
        "at": AT,
        "details": {"election": "e1"},
        "prev": GENESIS,
    }
    assert entry.hash == hashlib.sha256(rfc8785.dumps(body)).hexdigest()


def test_audit_chain_detects_changed_actor() -> None:
    log = make_log(4)
    verify_audit(log, head=log[-1].hash)
    e = log[1]
    log[1] = AuditEntry(e.seq, "someone.else@example.org", e.action, e.at, e.details, e.prev)
    with pytest.raises(ChainError, match="seq 2"):
        verify_audit(log)


def test_audit_round_trip_and_format() -> None:
    log = make_log(2)
    assert [AuditEntry.from_json(e.to_json()) for e in log] == log
    bad = log[0].to_json()
    bad["actor"] = "x"
    with pytest.raises(ChainError, match="seq 0"):
        AuditEntry.from_json(bad)
    with pytest.raises(AuditFormatError):
        append_audit(None, "", "roll.import", {}, AT)
    with pytest.raises(AuditFormatError):
        append_audit(None, "a", "roll.import", {"x": 1.5}, AT)
