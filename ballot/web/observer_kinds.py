"""Observer kinds enforced where who-has-voted shows: turnout, the roll, the activity log.

Routes that exist only to list members carry the ``names`` access level (see
:mod:`ballot.web.auth`).  Pages and answers that mix counts with names (the election
page, ``/turnout``) ask :func:`ballot.store.observers.sees_names` and leave the names out
for a reader who may see counts only (an employer's observer, a trustee).  The activity log names members in
acts on their links (a link withdrawn because the member voted on paper says who
voted), so those member numbers are hidden from such a reader too; the chain is still
checked on the stored rows, and its head still given to keep, but a hidden row's hash
cannot be recomputed by that reader.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ballot.store.models import Account, ActivityEntryRow
from ballot.store.observers import names_election_ids

#: Detail keys of activity-log entries that name a member.
MEMBER_KEYS = ("member",)
HIDDEN = "hidden"


def _hidden_copy(row: ActivityEntryRow) -> ActivityEntryRow:
    try:
        details: Any = json.loads(row.detail)
    except ValueError:
        return row
    if not isinstance(details, dict) or not any(k in details for k in MEMBER_KEYS):
        return row
    shown = {k: (HIDDEN if k in MEMBER_KEYS else v) for k, v in details.items()}
    return ActivityEntryRow(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        election_id=row.election_id,
        detail=json.dumps(shown, ensure_ascii=False, separators=(",", ":")),
        prev=row.prev,
        hash=row.hash,
    )


async def activity_for(
    session: AsyncSession, account: Account | None, rows: Sequence[ActivityEntryRow]
) -> list[ActivityEntryRow]:
    """The activity log as this reader may see it (member numbers hidden where they may
    not see names); the rows given are left as they are (copies are made)."""
    if account is None:
        return [_hidden_copy(r) for r in rows]
    allowed = await names_election_ids(session, account)
    if allowed is None:
        return list(rows)
    return [r if r.election_id in allowed else _hidden_copy(r) for r in rows]
