"""Mailgun's delivery events: their signature, and what each says of which message.

Mailgun posts each event to our webhook as JSON: ``{"signature": {"timestamp", "token",
"signature"}, "event-data": {...}}``.  The signature is the hex HMAC-SHA256, keyed with
the account's HTTP webhook signing key, of the timestamp followed by the token (nothing
between).  It covers only those two, not the event, so a captured signature must not
sign a second event: it is believed only within :data:`WINDOW` seconds of our clock and
only once (:class:`SeenTokens`).

An event names our message by the reference we sent it with (:mod:`ballot.mail.envelope`):
the ``ballot_ref`` user variable (from our ``X-Mailgun-Variables`` header), else the
Message-ID in ``message.headers``.  What it says:

* ``delivered``: the receiving server took it, **delivered**;
* ``failed`` with ``severity`` ``permanent``: **bounced**; ``temporary``: a **delay**
  (Mailgun keeps trying), noted;
* ``rejected``: Mailgun would not send it, **failed**;
* anything else (accepted, opened, clicked, complained...) says nothing we record.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import OrderedDict
from typing import Any

from ballot.mail.bounces import BOUNCED, DELAYED, DELIVERED, FAILED, Report
from ballot.mail.envelope import is_ref, ref_of_message_id

#: Seconds an event's timestamp may differ from our clock.
WINDOW = 300
#: Signature tokens remembered against replay (more than a window's worth of events).
SEEN_MAX = 50_000


def mailgun_signature(signing_key: str, timestamp: str, token: str) -> str:
    data = (timestamp + token).encode("utf-8")
    return hmac.new(signing_key.encode("utf-8"), data, hashlib.sha256).hexdigest()


def mailgun_signed(signing_key: str, signature: Any, now: float) -> bool:
    """Is ``signature`` (the body's ``signature`` object) Mailgun's, and fresh?"""
    if not signing_key or not isinstance(signature, dict):
        return False
    timestamp, token, given = (
        signature.get("timestamp"),
        signature.get("token"),
        signature.get("signature"),
    )
    if isinstance(timestamp, int):
        timestamp = str(timestamp)
    if not (isinstance(timestamp, str) and isinstance(token, str) and isinstance(given, str)):
        return False
    if not timestamp.isdigit() or abs(now - int(timestamp)) > WINDOW or len(token) > 200:
        return False
    expected = mailgun_signature(signing_key, timestamp, token)
    return hmac.compare_digest(expected.encode("ascii"), given.strip().encode("ascii", "replace"))


class SeenTokens:
    """Signature tokens already taken (bounded, oldest forgotten first)."""

    def __init__(self, limit: int = SEEN_MAX) -> None:
        self.limit = limit
        self._seen: OrderedDict[str, None] = OrderedDict()

    def first_time(self, token: str) -> bool:
        """True, and remembered, if ``token`` was not taken before."""
        if token in self._seen:
            return False
        self._seen[token] = None
        while len(self._seen) > self.limit:
            self._seen.popitem(last=False)
        return True


def _ref(event: dict[str, Any]) -> str | None:
    variables = event.get("user-variables")
    if isinstance(variables, dict):
        ref = variables.get("ballot_ref")
        if isinstance(ref, str) and is_ref(ref.lower()):
            return ref.lower()
    message = event.get("message")
    headers = message.get("headers") if isinstance(message, dict) else None
    found = headers.get("message-id") if isinstance(headers, dict) else None
    return ref_of_message_id(found) if isinstance(found, str) else None


def _status(event: dict[str, Any]) -> str:
    status = event.get("delivery-status")
    if not isinstance(status, dict):
        return ""
    enhanced = status.get("enhanced-code")
    if isinstance(enhanced, str) and enhanced[:2] in ("2.", "4.", "5."):
        return enhanced[:16]
    code = status.get("code")
    if isinstance(code, int) and 200 <= code < 600:
        return f"{code // 100}.0.0"
    return ""


def event_report(event: Any) -> Report | None:
    """What an event (the body's ``event-data``) says, or None if nothing we record."""
    if not isinstance(event, dict):
        return None
    kind = event.get("event")
    if kind == "delivered":
        fate = DELIVERED
    elif kind == "failed":
        fate = BOUNCED if event.get("severity") == "permanent" else DELAYED
    elif kind == "rejected":
        fate = FAILED
    else:
        return None
    return Report(_ref(event), fate, _status(event))
