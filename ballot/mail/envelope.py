"""An e-mail's opaque reference, and the addresses that carry it out and bring it back.

Every e-mail in the outbox is named by an ``envelope_ref`` drawn when it is queued: 80
random bits as 16 characters of lower-case base 32 (RFC 4648's alphabet, which survives
mail systems that fold the case of an address's local part only if we fold it back, as
:func:`ref_in` does).  It is not the token in the message's link and says nothing about
the member; it exists so that a bounce, which names the message only by what we put in
it, leads back to one outbox row.  It is put in two places every report carries back:

* the envelope sender (Return-Path), VERP style: ``BALLOT_BOUNCE_ADDRESS``
  ``bounces@mail.example.org`` becomes ``bounces+<ref>@mail.example.org`` for that
  message, so the bounce is *addressed* to the reference;
* the Message-ID, ``<ref@domain>``, which DSNs return in the original's headers and
  providers (Mailgun) report with their events.
"""

from __future__ import annotations

import base64
import re
import secrets
from email.utils import parseaddr

REF_LENGTH = 16
_REF = re.compile(r"^[a-z2-7]{16}$")


def new_envelope_ref() -> str:
    """A fresh reference (80 bits; a collision among millions of messages is beyond reach)."""
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()


def is_ref(text: str) -> bool:
    return bool(_REF.match(text))


def bounce_parts(bounce_address: str) -> tuple[str, str] | None:
    """The local part and domain of ``BALLOT_BOUNCE_ADDRESS`` (None: not set, or no address)."""
    address = parseaddr(bounce_address)[1] if bounce_address else ""
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or "+" in local or not address.isascii():
        return None
    return local, domain.lower()


def envelope_sender(bounce_address: str, ref: str | None) -> str | None:
    """The VERP envelope sender for the message named ``ref`` (None: no bounce address)."""
    parts = bounce_parts(bounce_address)
    if parts is None or ref is None:
        return None
    local, domain = parts
    return f"{local}+{ref}@{domain}"


def message_id(ref: str, domain: str) -> str:
    return f"<{ref}@{domain}>"


def ref_in(address: str, bounce_address: str = "") -> str | None:
    """The reference a VERP address names, or None.

    With ``bounce_address`` set, the address must be ours (same local part and domain,
    ignoring case); without it, any ``local+ref@domain`` is read.
    """
    address = parseaddr(address)[1] or address.strip().strip("<>")
    local, at, domain = address.rpartition("@")
    base, plus, ref = local.rpartition("+")
    if not at or not plus:
        return None
    parts = bounce_parts(bounce_address)
    if parts is not None and (base.lower() != parts[0].lower() or domain.lower() != parts[1]):
        return None
    ref = ref.lower()
    return ref if is_ref(ref) else None


def ref_of_message_id(value: str) -> str | None:
    """The reference a Message-ID of ours carries (``<ref@domain>``), or None."""
    local = value.strip().strip("<>").partition("@")[0].lower()
    return local if is_ref(local) else None
