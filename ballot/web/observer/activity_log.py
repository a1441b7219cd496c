"""The committee's activity log (``/committee/audit`` page, ``/api/audit/chain`` JSON;
staff only), its chain checked on every view.

Each row is checked against its stored hash, so a row edited in the database is named.
There is deliberately no public version: actors are committee members' e-mail addresses
and details name members (``token_reissued`` carries a member id), and without those
bodies a reader could not recompute a single hash, so a stripped public copy would prove
nothing while still telling the world when whose credential was replaced.  Observers are
the audience the remote-voting guidance names; they can keep the head the JSON endpoint
gives and later ask whether the log still holds it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromQuery

from ballot.record.activity_log import (
    ActivityEntry,
    ActivityLogFormatError,
    ChainError,
    verify_activity_log,
)
from ballot.store.activity import activity_entries
from ballot.store.models import ActivityEntryRow
from ballot.web.deps import Db, reader_of
from ballot.web.observer_kinds import activity_for


@dataclass(frozen=True)
class AuditChain:
    """The audit log's chain as checked now."""

    count: int
    head_seq: int | None
    head: str | None
    problem: str | None = None
    broken_seq: int | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None

    def to_json(self) -> dict[str, Any]:
        return {
            "intact": self.intact,
            "count": self.count,
            "head": None if self.head is None else {"seq": self.head_seq, "hash": self.head},
            "problem": self.problem,
            "broken_seq": self.broken_seq,
        }


def stored_json(row: ActivityEntryRow) -> dict[str, Any]:
    """A row in published form with the hash *as stored* (not recomputed)."""
    try:
        details: Any = json.loads(row.detail)
    except ValueError:
        details = row.detail
    return {
        "seq": row.seq,
        "actor": row.actor,
        "action": row.action,
        "at": row.at,
        "details": details,
        "prev": row.prev,
        "hash": row.hash,
    }


def check_audit_chain(rows: Sequence[ActivityEntryRow]) -> AuditChain:
    """Check every row against its stored hash and every link; name the first break.

    The ``election_id`` column is outside the hash, so it must agree with the details'
    ``election`` (which the hash covers): a row moved to another election is a break too.
    """
    last = rows[-1] if rows else None
    head_seq, head = (last.seq, last.hash) if last is not None else (None, None)
    entries: list[ActivityEntry] = []
    try:
        for row in rows:
            data = stored_json(row)
            try:
                entry = ActivityEntry.from_json(data)
            except ActivityLogFormatError as exc:
                raise ChainError(f"seq {row.seq}: {exc}", row.seq) from exc
            if row.election_id != entry.details.get("election"):
                raise ChainError(
                    f"seq {row.seq}: the election column does not match the entry's details",
                    row.seq,
                )
            entries.append(entry)
        verify_activity_log(entries)
    except ChainError as exc:
        return AuditChain(len(rows), head_seq, head, str(exc), exc.seq)
    return AuditChain(len(rows), head_seq, head)


def compare_kept_head(
    rows: Sequence[ActivityEntryRow], seq: int | None, kept: str | None
) -> dict[str, Any] | None:
    """Does the log still hold, at ``seq``, the head an observer kept earlier?"""
    if seq is None and not kept:
        return None
    wanted = (kept or "").strip().lower()
    row = next((r for r in rows if r.seq == seq), None)
    return {
        "seq": seq,
        "hash": wanted,
        "found": row is not None,
        "matches": row is not None and row.hash == wanted,
    }


def detail_text(row: ActivityEntryRow) -> str:
    """An entry's details for the table: ``key=value`` pairs, the election left out (it has
    its own column); the stored text itself if it is not a JSON object."""
    try:
        details = json.loads(row.detail)
    except ValueError:
        return row.detail
    if not isinstance(details, dict):
        return row.detail
    return ", ".join(
        f"{key}={value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}"
        for key, value in details.items()
        if key != "election"
    )


def audit_view(
    rows: Sequence[ActivityEntryRow],
    election: str | None = None,
    kept_seq: int | None = None,
    kept_hash: str | None = None,
) -> dict[str, Any]:
    """Context for the committee audit page: the chain checked over the whole log, the
    rows shown (one election's, if asked), and a kept head compared."""
    chain = check_audit_chain(rows)
    shown = [r for r in rows if election is None or r.election_id == election]
    return {
        "chain": chain,
        "entries": shown,
        "details": {r.seq: detail_text(r) for r in shown},
        "election_filter": election,
        "kept": compare_kept_head(rows, kept_seq, kept_hash),
    }


class AuditChainController(Controller):
    path = "/api/audit"

    @get("/chain", opt={"access": "staff"}, cache_control=None)
    async def chain(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        seq: FromQuery[int | None] = None,
        hash: FromQuery[str | None] = None,
    ) -> Response[dict[str, Any]]:
        """The audit log with stored hashes, its chain checked now, and its head to keep.

        ``?seq=N&hash=H`` also says whether the log still holds a head kept earlier.
        """
        rows = await activity_entries(db)
        body = check_audit_chain(rows).to_json()
        body["kept"] = compare_kept_head(rows, seq, hash)
        shown = await activity_for(db, reader_of(request), rows)
        body["entries"] = [stored_json(r) for r in shown]
        return Response(body, headers={"Cache-Control": "no-store"})
