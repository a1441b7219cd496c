"""Putting messages into the outbox, and reading delivery progress back for the committee.

Queueing is separate from sending so that opening a 260,000-member vote is one fast
database transaction: the invitations are durable the moment it commits, and the
worker (``ballot.mail.worker``) delivers them at the relay's pace, surviving restarts.
None of these functions commit: the caller's transaction decides, so a failed
election step leaves no stray mail behind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.election.phone import is_e164
from ballot.i18n import LANGUAGES
from ballot.mail.envelope import new_envelope_ref
from ballot.store.bulk import insert_rows
from ballot.store.outbox import CHANNELS, KINDS, STATUSES, OutboxMessage
from ballot.store.types import utcnow

#: Fields a caller provides for each message (``voter_ref``, ``body_html`` and
#: ``reply_to`` may be None or left out; ``channel`` is "email" unless it says "sms", and
#: then ``to_address`` is a phone number in E.164 form and ``subject`` may be empty).
FIELDS = (
    "election_id",
    "voter_ref",
    "kind",
    "to_address",
    "language",
    "subject",
    "body_text",
    "body_html",
    "reply_to",
    "channel",
)
#: The columns of a queued message, in the order :func:`_row` gives them.
QUEUED = (
    *FIELDS,
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
    "envelope_ref",
)
#: How many failed / retrying messages delivery_summary lists in full.
LIST_LIMIT = 500


class OutboxError(ValueError):
    """A message that cannot be queued as given (nothing of the batch should be committed)."""


_KNOWN = frozenset(FIELDS)
_REQUIRED = frozenset({"kind", "to_address", "subject", "body_text"})
# CR/LF would let an address inject headers into the message; the rest make it several.
_NOT_IN_ADDRESS = re.compile(r"[\r\n \t<>,]")


def _checked(fields: Mapping[str, Any]) -> tuple[Any, ...]:
    """The values of FIELDS for one message, in that order, once every check has passed."""
    keys = fields.keys()
    if not (keys >= _REQUIRED and keys <= _KNOWN):
        unknown, missing = set(keys) - _KNOWN, _REQUIRED - set(keys)
        raise OutboxError(
            f"outbox message fields: unknown {sorted(unknown)}, missing {sorted(missing)}"
        )
    kind = fields["kind"]
    if kind not in KINDS:
        raise OutboxError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    channel = fields.get("channel") or "email"
    if channel not in CHANNELS:
        raise OutboxError(f"channel must be one of {', '.join(CHANNELS)}, not {channel!r}")
    to_address = str(fields["to_address"]).strip()
    if channel == "sms":
        if not is_e164(to_address):
            raise OutboxError(f"not a phone number in E.164 form: {to_address!r}")
        if fields.get("body_html"):
            raise OutboxError("a text message has no HTML body")
    elif "@" not in to_address or _NOT_IN_ADDRESS.search(to_address):
        raise OutboxError(f"not a single email address: {to_address!r}")
    subject = str(fields["subject"])
    if "\r" in subject or "\n" in subject or len(subject) > 500:
        raise OutboxError("subject must be one line of at most 500 characters")
    language = fields.get("language") or "en"
    if language not in LANGUAGES:
        raise OutboxError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    body_text = fields["body_text"]
    if not body_text:
        raise OutboxError("a message needs a plain-text body")
    reply_to = fields.get("reply_to") or None
    if reply_to is not None and (
        "@" not in str(reply_to)
        or _NOT_IN_ADDRESS.search(str(reply_to))
        or not str(reply_to).isascii()
    ):
        raise OutboxError(f"reply_to is not a single email address: {reply_to!r}")
    voter_ref = fields.get("voter_ref")
    election_id = fields.get("election_id")
    return (
        None if election_id is None else str(election_id),
        None if voter_ref is None else str(voter_ref),
        kind,
        to_address,
        language,
        subject,
        body_text,
        fields.get("body_html"),
        None if reply_to is None else str(reply_to),
        channel,
    )


def _queued(now: datetime) -> tuple[Any, ...]:
    """The values after FIELDS in QUEUED, but the reference: a new message is due at once."""
    return ("queued", 0, now, now)


def _with_ref(checked: tuple[Any, ...]) -> tuple[Any, ...]:
    """An e-mail's own opaque reference (:mod:`ballot.mail.envelope`); none for a text."""
    return (new_envelope_ref() if checked[-1] == "email" else None,)


def _row(fields: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    checked = _checked(fields)
    return dict(zip(QUEUED, checked + _queued(now) + _with_ref(checked), strict=True))


def enqueue(
    session: AsyncSession,
    *,
    election_id: str | None,
    voter_ref: str | int | None,
    kind: str,
    to_address: str,
    language: str,
    subject: str,
    body_text: str,
    body_html: str | None,
    reply_to: str | None = None,
    channel: str = "email",
) -> OutboxMessage:
    """Add one message to the session (not committed), due immediately."""
    row = _row(
        {
            "election_id": election_id,
            "voter_ref": voter_ref,
            "kind": kind,
            "to_address": to_address,
            "language": language,
            "subject": subject,
            "body_text": body_text,
            "body_html": body_html,
            "reply_to": reply_to,
            "channel": channel,
        },
        utcnow(),
    )
    message = OutboxMessage(**row)
    session.add(message)
    return message


async def enqueue_many(session: AsyncSession, messages: Iterable[Mapping[str, Any]]) -> int:
    """Bulk-insert messages given as mappings with the keys in FIELDS; returns the count.

    One streamed COPY on PostgreSQL, INSERTs of a few thousand rows on SQLite
    (:func:`ballot.store.bulk.insert_rows`); either way the messages are validated and
    written as they are read, so 260,000 bodies never sit in memory at once.  On
    OutboxError the rows before it are already in the (uncommitted) transaction, and
    the caller must roll back.
    """
    tail = _queued(utcnow())

    def rows() -> Iterable[tuple[Any, ...]]:
        for message in messages:
            checked = _checked(message)
            yield checked + tail + _with_ref(checked)

    return await insert_rows(session, OutboxMessage, QUEUED, rows())


_LISTED = (
    OutboxMessage.id,
    OutboxMessage.to_address,
    OutboxMessage.kind,
    OutboxMessage.language,
    OutboxMessage.attempts,
    OutboxMessage.last_error,
    OutboxMessage.next_attempt_at,
)


async def delivery_summary(session: AsyncSession, election_id: str | None) -> dict[str, Any]:
    """Delivery progress of one election's mail, for the committee page.

    Returns ``{"election_id", "total", "counts": {status: n for every status},
    "by_kind": {kind: {status: n}}, "delivered_fraction", "last_sent_at",
    "failed": [...], "failed_total", "retrying": [...], "retrying_total"}``; each listed
    message is ``{"id", "to_address", "kind", "language", "attempts", "error",
    "next_attempt_at"}``, oldest problem first, at most LIST_LIMIT of each.
    """
    cond = (
        OutboxMessage.election_id.is_(None)
        if election_id is None
        else OutboxMessage.election_id == str(election_id)
    )
    counts = dict.fromkeys(STATUSES, 0)
    by_kind: dict[str, dict[str, int]] = {}
    rows = await session.execute(
        select(OutboxMessage.kind, OutboxMessage.status, func.count())
        .where(cond)
        .group_by(OutboxMessage.kind, OutboxMessage.status)
    )
    for kind, status, n in rows:
        counts[status] = counts.get(status, 0) + n
        by_kind.setdefault(kind, dict.fromkeys(STATUSES, 0))[status] = n
    last_sent_at = await session.scalar(select(func.max(OutboxMessage.sent_at)).where(cond))

    async def listed(status: str) -> list[dict[str, Any]]:
        # Only the listed columns: bodies (and the links in them) are never read here.
        result = await session.execute(
            select(*_LISTED)
            .where(cond, OutboxMessage.status == status)
            .order_by(OutboxMessage.id)
            .limit(LIST_LIMIT)
        )
        return [
            {
                "id": r.id,
                "to_address": r.to_address,
                "kind": r.kind,
                "language": r.language,
                "attempts": r.attempts,
                "error": r.last_error or "",
                "next_attempt_at": r.next_attempt_at,
            }
            for r in result
        ]

    total = sum(counts.values())
    return {
        "election_id": election_id,
        "total": total,
        "counts": counts,
        "by_kind": by_kind,
        "delivered_fraction": (counts["sent"] / total) if total else 0.0,
        "last_sent_at": last_sent_at,
        "failed": await listed("failed"),
        "failed_total": counts["failed"],
        "retrying": await listed("retry"),
        "retrying_total": counts["retry"],
    }
