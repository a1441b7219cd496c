"""Delivery receipts into the outbox, and each member's delivery status out of it.

A receipt is written with one conditional UPDATE (the row's receipt must still be an
earlier word, :mod:`ballot.sms.receipts`), so two receipts racing, or a receipt racing
the worker's own record of the hand-over, can never move a message backwards.  The
worker writes ``status``; receipts write ``receipt``: neither overwrites the other.
Receipts come from the SMS gateway (:mod:`ballot.web.sms_receipts`) and, for e-mail,
from bounces and delivery reports (:mod:`ballot.mail.bounce_inbox`) and the mail
provider's events (:mod:`ballot.web.mail_events`).  Each change is logged with the
message's id, channel and word, never its address, body or link.

What the committee sees per member and channel (:data:`DELIVERY_STATES`) is the newest
invitation or reminder on that channel: ``queued`` (waiting, being sent or to be tried
again), ``sent`` (handed to the relay or gateway), ``delivered``, ``bounced`` or
``failed``.  Bodies are never read here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.sms.receipts import earlier_than
from ballot.store.outbox import OutboxMessage

log = logging.getLogger("ballot.mail")

DELIVERY_STATES = ("queued", "sent", "delivered", "bounced", "failed")
#: The kinds of message that carry a member's link.
LINK_KINDS = ("invitation", "reminder")


async def sms_message(session: AsyncSession, message_id: int) -> OutboxMessage | None:
    """The text message a receipt URL names (None: no such message, or an e-mail)."""
    row = await session.get(OutboxMessage, message_id)
    return row if row is not None and row.channel == "sms" else None


async def email_message(session: AsyncSession, envelope_ref: str) -> OutboxMessage | None:
    """The e-mail an opaque reference names (None: no such message)."""
    return await session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.envelope_ref == envelope_ref, OutboxMessage.channel == "email"
        )
    )


async def record_receipt(
    session: AsyncSession,
    message: OutboxMessage,
    ref: str,
    receipt: str,
    now: datetime,
    detail: str | None = None,
) -> bool:
    """Record a (verified) receipt for ``message``; True if it changed anything.

    ``ref`` must be the gateway's id for the message when one is recorded (a receipt
    for another message, replayed onto this URL, changes nothing); an e-mail's is "".
    ``detail``: the status code the report gave (``5.1.1``), kept with the receipt.
    """
    if message.provider_ref is not None and ref != message.provider_ref:
        return False
    earlier = earlier_than(receipt)
    allowed = [OutboxMessage.receipt.in_([w for w in earlier if w is not None])]
    if None in earlier:
        allowed.append(OutboxMessage.receipt.is_(None))
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, or_(*allowed))
        .values(receipt=receipt, receipt_at=now, receipt_detail=detail)
        .execution_options(synchronize_session=False)
    )
    changed = bool(result.rowcount)  # type: ignore[attr-defined]
    if changed:
        log.info(
            "outbox message %d (%s): delivery %s%s",
            message.id,
            message.channel,
            receipt,
            f" ({detail})" if detail else "",
        )
    if message.provider_ref is None and ref:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id, OutboxMessage.provider_ref.is_(None))
            .values(provider_ref=ref[:64])
            .execution_options(synchronize_session=False)
        )
    return changed


async def record_delay(
    session: AsyncSession, message: OutboxMessage, detail: str, now: datetime
) -> bool:
    """Note that delivery is delayed (a 4.x.x report): the message stays *sent*, and the
    code is kept until a final word comes (never over one).  True if it changed anything."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.receipt.is_(None))
        .values(receipt_detail=detail[:16], receipt_at=now)
        .execution_options(synchronize_session=False)
    )
    changed = bool(result.rowcount)  # type: ignore[attr-defined]
    if changed:
        log.info(
            "outbox message %d (%s): delivery delayed (%s)", message.id, message.channel, detail
        )
    return changed


def delivery_state(status: str, receipt: str | None) -> str:
    """What the committee is shown for one message (see the module's text)."""
    if receipt in ("delivered", "bounced", "failed"):
        return receipt
    if status == "failed":
        return "failed"
    if status == "sent":
        return "sent"
    return "queued"


async def member_delivery(
    session: AsyncSession, election_id: str, voter_ids: Sequence[int]
) -> dict[int, dict[str, str]]:
    """For each member of a page: {channel: state} of their newest link message per channel
    (one query on ``ix_outbox_election_voter``; a member with none has ``{}``)."""
    found: dict[int, dict[str, str]] = {v: {} for v in voter_ids}
    if not voter_ids:
        return found
    rows = await session.execute(
        select(
            OutboxMessage.voter_ref,
            OutboxMessage.channel,
            OutboxMessage.status,
            OutboxMessage.receipt,
        )
        .where(
            OutboxMessage.election_id == election_id,
            OutboxMessage.voter_ref.in_([str(v) for v in voter_ids]),
            OutboxMessage.kind.in_(LINK_KINDS),
        )
        .order_by(OutboxMessage.id)
    )
    for voter_ref, channel, status, receipt in rows:
        if voter_ref is not None and voter_ref.isdigit() and int(voter_ref) in found:
            found[int(voter_ref)][channel] = delivery_state(status, receipt)  # newest wins
    return found


async def delivery_details(
    session: AsyncSession, election_id: str, voter_id: int
) -> dict[str, str]:
    """One member's status codes, per channel, from their newest link message on it: a
    bounce's (``5.1.1``) or a delay's (``4.2.2``); channels without one are left out."""
    rows = await session.execute(
        select(OutboxMessage.channel, OutboxMessage.receipt_detail)
        .where(
            OutboxMessage.election_id == election_id,
            OutboxMessage.voter_ref == str(voter_id),
            OutboxMessage.kind.in_(LINK_KINDS),
        )
        .order_by(OutboxMessage.id)
    )
    found: dict[str, str | None] = {}
    for channel, detail in rows:
        found[channel] = detail  # newest wins
    return {channel: detail for channel, detail in found.items() if detail}
