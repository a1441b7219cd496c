"""A bounce or delivery report, read and recorded against the message it is about.

The one place reports become receipts, whichever way they come: the ``ballot mail
bounce`` command (a report on standard input, for a mailbox's delivery program), the
bounce receiver (:mod:`ballot.mail.bounce_receiver`, SMTP) and, already read, the mail
provider's events (:mod:`ballot.web.mail_events`).  A report that is not one, or names
no message of ours, changes nothing and says so; the caller answers accordingly (an
exit status, an SMTP reply, an HTTP status).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncSession

from ballot.mail.bounces import BOUNCED, DELAYED, FAILED, Report, read_report
from ballot.mail.receipts import email_message, record_delay, record_receipt

log = logging.getLogger("ballot.mail")


class Taken(Enum):
    RECORDED = "recorded"  #: the message's delivery status changed (or a delay was noted)
    NOTHING_NEW = "nothing new"  #: about a message of ours, but it says nothing new
    UNKNOWN = "unknown"  #: names no message of ours
    UNREADABLE = "unreadable"  #: not a bounce or delivery report


@dataclass(frozen=True)
class Outcome:
    taken: Taken
    report: Report | None = None


async def record_report(session: AsyncSession, report: Report, now: datetime) -> Outcome:
    """Record what ``report`` says of its message (not committed)."""
    message = await email_message(session, report.ref) if report.ref else None
    if message is None:
        log.info("a %s report names no message of ours: nothing changed", report.fate)
        return Outcome(Taken.UNKNOWN, report)
    if report.fate == DELAYED:
        changed = await record_delay(session, message, report.status or "4.0.0", now)
    else:
        word = report.fate if report.fate in (BOUNCED, FAILED) else "delivered"
        changed = await record_receipt(session, message, "", word, now, report.status or None)
    return Outcome(Taken.RECORDED if changed else Taken.NOTHING_NEW, report)


async def take_report(
    session: AsyncSession,
    raw: bytes,
    now: datetime,
    *,
    to: tuple[str, ...] = (),
    bounce_address: str = "",
) -> Outcome:
    """Read a raw report and record it (not committed); see :mod:`ballot.mail.bounces`."""
    report = read_report(raw, to, bounce_address)
    if report is None:
        log.info("a message to the bounce address is not a delivery report: nothing changed")
        return Outcome(Taken.UNREADABLE)
    return await record_report(session, report, now)
