"""Moved to :mod:`ballot.record.activity_log`; this path and these names stay for one release."""

from ballot.record.activity_log import ActivityEntry as AuditEntry
from ballot.record.activity_log import ActivityLogFormatError as AuditFormatError
from ballot.record.activity_log import ChainError
from ballot.record.activity_log import append_activity as append_audit
from ballot.record.activity_log import verify_activity_log as verify_audit

__all__ = ["AuditEntry", "AuditFormatError", "ChainError", "append_audit", "verify_audit"]
