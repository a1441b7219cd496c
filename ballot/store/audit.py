"""Former home of the activity log; its names are kept here for code not yet moved."""

from ballot.store.activity import activity_entries as audit_entries
from ballot.store.activity import activity_json as audit_json
from ballot.store.activity import log_activity as audit
from ballot.store.activity import to_record

__all__ = ["audit", "audit_entries", "audit_json", "to_record"]
