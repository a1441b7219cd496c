"""Signatures on the gateway's requests to us (delivery receipts) and on ours to it.

A delivery receipt changes what the committee sees about a member, so it is believed only
when signed with the secret we share with the gateway; anything else is refused (403)
and changes nothing.

* **Twilio** (``X-Twilio-Signature``): base64 of HMAC-SHA1, keyed with the account's auth
  token, over the full URL Twilio was given (the ``StatusCallback``, query included)
  followed by every POST parameter's name and value, sorted by name (then value), with
  nothing between them.
* **Generic** (``X-Ballot-Signature``): ``sha256=`` and the hex HMAC-SHA256, keyed with
  the shared secret, over the decimal Unix time of ``X-Ballot-Timestamp``, a dot, and the
  raw request body.  A request more than :data:`WINDOW` seconds from our clock is refused,
  so a captured one cannot be replayed later (and a replay within the window can only
  repeat a receipt already recorded: receipts never go back).

Both directions of the generic gateway use the same form, so the gateway checks ours the
same way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

#: Seconds a generic request's timestamp may differ from our clock.
WINDOW = 300


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """The ``X-Twilio-Signature`` Twilio sends with a request to ``url`` with ``params``."""
    data = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(auth_token.encode("utf-8"), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def twilio_signed(
    auth_token: str, url: str, params: Iterable[tuple[str, str]], signature: str | None
) -> bool:
    """Is ``signature`` Twilio's for this request?  (No token configured: never.)"""
    if not auth_token or not signature:
        return False
    expected = twilio_signature(auth_token, url, list(params))
    return hmac.compare_digest(
        expected.encode("ascii"), signature.strip().encode("ascii", "replace")
    )


def generic_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Ballot-Signature`` of a generic-gateway request."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def generic_signed(
    secret: str, timestamp: str | None, body: bytes, signature: str | None, now: float
) -> bool:
    """Is this a fresh request signed with the shared secret?  (No secret: never.)"""
    if not secret or not signature or not timestamp or not timestamp.isdigit():
        return False
    if abs(now - int(timestamp)) > WINDOW:
        return False
    expected = generic_signature(secret, timestamp, body)
    return hmac.compare_digest(
        expected.encode("ascii"), signature.strip().encode("ascii", "replace")
    )
