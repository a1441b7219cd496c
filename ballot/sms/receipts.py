"""Delivery receipts: the gateway's words for a message's fate, in ours.

Our words are those of :data:`ballot.store.outbox.RECEIPTS`: ``sent`` (the carrier has
it), then one final word: ``delivered``, ``bounced`` (the carrier could not deliver it:
a wrong, dead or unreachable number) or ``failed`` (the gateway gave up).  Receipts only
move forward: a late "sent" after "delivered" changes nothing, and the first final word
stays (gateways may repeat themselves, and a replayed receipt must not undo one).
Words that say nothing new (Twilio's queued, accepted, sending) are ignored.
"""

from __future__ import annotations

TWILIO = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "bounced",
    "failed": "failed",
    "canceled": "failed",
}
GENERIC = {
    "sent": "sent",
    "delivered": "delivered",
    "bounced": "bounced",
    "undelivered": "bounced",
    "failed": "failed",
}
_RANK = {None: 0, "sent": 1, "delivered": 2, "bounced": 2, "failed": 2}


def receipt_word(gateway: str, status: str) -> str | None:
    """Our word for a gateway's status, or None if it tells nothing new."""
    table = TWILIO if gateway == "twilio" else GENERIC
    return table.get(status.strip().lower())


def moves_forward(current: str | None, new: str) -> bool:
    """May a message whose last receipt is ``current`` take ``new``?"""
    return _RANK.get(new, 0) > _RANK.get(current, 0)


def earlier_than(new: str) -> tuple[str | None, ...]:
    """The receipts a message may still have for ``new`` to replace them."""
    return tuple(word for word, rank in _RANK.items() if rank < _RANK.get(new, 0))
