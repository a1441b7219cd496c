"""The ``outbox`` table: every email ballot must send, durable until it is delivered.

Columns (keep stable: the Alembic migration mirrors them exactly)

| column          | type                  | notes                                                  |
| --------------- | --------------------- | ------------------------------------------------------ |
| id              | Integer, primary key  | autoincrement                                          |
| election_id     | String(32), null, ix  | plain string, deliberately no foreign key              |
| voter_ref       | String(64), null      | opaque reference chosen by the caller (voter row id)   |
| kind            | String(16)            | invitation, reminder, notice, test (check constraint)  |
| to_address      | String(320)           | RFC 5321 maximum length                                |
| language        | String(8)             | one of ballot.i18n.LANGUAGES                           |
| subject         | String(500)           | kept after sending                                     |
| body_text       | Text, null            | NULL once sent or failed (see below)                   |
| body_html       | Text, null            | NULL once sent or failed (see below)                   |
| status          | String(10)            | queued, sending, sent, retry, failed (check constraint)|
| attempts        | Integer, default 0    | delivery attempts started                              |
| next_attempt_at | UTCDateTime           | due time; while "sending" it is the claim's lease end  |
| last_error      | String(500), null     | SMTP reply or connection error; never the body         |
| created_at      | UTCDateTime           |                                                        |
| sent_at         | UTCDateTime, null     |                                                        |
| reply_to        | String(320), null     | the committee's reply address (Reply-To), if it has one |
| channel         | String(8)             | email or sms (default email)                           |
| provider_ref    | String(64), null      | the SMS gateway's id for the message (Twilio's SID)     |
| receipt         | String(10), null      | the gateway's last word: sent, delivered, bounced, failed |
| receipt_at      | UTCDateTime, null     | when that receipt came                                 |
| envelope_ref    | String(16), null, uq  | an e-mail's opaque reference: its bounce address and Message-ID |
| receipt_detail  | String(16), null      | the status code a bounce report gave (5.1.1), or a delay's (4.2.2) |

Indexes: ``ix_outbox_election_id`` (election_id), ``ix_outbox_status_due``
(status, next_attempt_at), which is what workers scan for due messages, and
``ix_outbox_election_voter`` (election_id, voter_ref), for one page of the roll's delivery
status.

A text message (``channel`` sms) is a row like an e-mail: ``to_address`` is the phone
number in E.164 form, ``subject`` is empty and ``body_text`` is the text.  ``status`` is
ours (did the worker hand the message over?); ``receipt`` is the gateway's delivery
receipt, kept apart so that a receipt arriving before the worker records its own
outcome is never overwritten by it.

An e-mail's ``envelope_ref`` is 80 random bits (16 characters of lower-case base 32) drawn
when it is queued.  It is neither its link's token nor anything about the member: it only
names the message, so that a bounce can say which message it is about.  It goes out as
the message's envelope sender (``bounces+<ref>@<domain>``, :mod:`ballot.mail.sender`) and
in its Message-ID, and comes back in bounces and provider events
(:mod:`ballot.mail.bounces`); ``ix_outbox_envelope_ref`` finds the message (unique).

Why bodies are blanked: an invitation or reminder body carries the voter's one-time
voting link, and the token in that link *is* the credential (the database otherwise
keeps only its SHA-256 hash).  Keeping bodies after delivery would leave a table of
live credentials for anyone who reads a backup.  So the worker sets both bodies to
NULL as soon as a message is sent, or has permanently failed (a resend must issue a
fresh token anyway), and keeps the subject and status for the committee's records.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ballot.store.base import Base
from ballot.store.types import UTCDateTime, utcnow

KINDS = ("invitation", "reminder", "notice", "test")
STATUSES = ("queued", "sending", "sent", "retry", "failed")
CHANNELS = ("email", "sms")
#: A gateway's delivery receipts, in the order they may follow each other.
RECEIPTS = ("sent", "delivered", "bounced", "failed")


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class OutboxMessage(Base):
    """One email, from queueing to delivery or final failure."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(KINDS)})", name="kind"),
        CheckConstraint(f"status IN ({_in(STATUSES)})", name="status"),
        Index("ix_outbox_status_due", "status", "next_attempt_at"),
        Index("ix_outbox_election_voter", "election_id", "voter_ref"),
        Index("ix_outbox_envelope_ref", "envelope_ref", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    election_id: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    voter_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    kind: Mapped[str] = mapped_column(String(16))
    to_address: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(8), default="en")
    subject: Mapped[str] = mapped_column(String(500))
    body_text: Mapped[str | None] = mapped_column(Text, default=None)
    body_html: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    reply_to: Mapped[str | None] = mapped_column(String(320), default=None)
    channel: Mapped[str] = mapped_column(String(8), default="email", server_default="email")
    provider_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    receipt: Mapped[str | None] = mapped_column(String(10), default=None)
    receipt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    envelope_ref: Mapped[str | None] = mapped_column(String(16), default=None)
    receipt_detail: Mapped[str | None] = mapped_column(String(16), default=None)
