"""Reading bounces and delivery reports: which of our messages, and what became of it.

A report is read with Python's ``email`` package and never kept: it may quote the
message it is about.  Two shapes are understood:

* **RFC 3464 delivery status notifications** (``multipart/report;
  report-type=delivery-status``): the ``message/delivery-status`` part's recipient
  fields say what happened.  ``Action: failed`` is **bounced** (the reporting server gave
  up: a 5.x.x status, or a 4.x.x one after its retries ran out); ``delayed`` is a
  **delay** (a 4.x.x status: the message stays *sent*, the code is noted); ``delivered``,
  ``relayed`` and ``expanded`` are **delivered**.  Without an Action, the status's
  class decides (5: bounced, 4: delay, 2: delivered).
* **Plain bounces** ("Undelivered Mail Returned to Sender", "failure notice", "Mail
  delivery failed"...): the text's enhanced status codes (``5.1.1``) or SMTP replies
  (``550``) and its subject.  A 5 is bounced; a 4 alone is a delay, unless the subject
  says the message was returned (then the server gave up: bounced); a failure subject
  with no code at all is bounced with no code.

The message is found by its reference (:mod:`ballot.mail.envelope`), wherever the
report carries it: the address the report was sent to (``bounces+<ref>@...``: the
envelope recipient, or ``Delivered-To``, ``X-Original-To``, ``To``), the DSN's
``Original-Envelope-Id``, or the Message-ID of the returned headers.  Anything else
(an auto-reply, spam to the bounce address) is not a report: nothing is recorded.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.message import Message

from ballot.mail.envelope import is_ref, ref_in, ref_of_message_id

#: The largest report read (a DSN with headers only is a few KB; one quoting a whole
#: message rarely passes 100 KB).
MAX_REPORT = 1_000_000

BOUNCED, DELIVERED, DELAYED = "bounced", "delivered", "delayed"
#: Only a provider says this (it refused to send the message): :mod:`ballot.mail.mailgun`.
FAILED = "failed"
_ACTIONS = {
    "failed": BOUNCED,
    "delayed": DELAYED,
    "delivered": DELIVERED,
    "relayed": DELIVERED,
    "expanded": DELIVERED,
}
_BY_CLASS = {"5": BOUNCED, "4": DELAYED, "2": DELIVERED}
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_REPLY = re.compile(r"(?<![\d.])([45])\d\d(?=[ -][^\d])")
_RETURNED = re.compile(
    r"undeliver|returned|failure|failed|could not be delivered|not delivered|rejected",
    re.IGNORECASE,
)
_DELAY = re.compile(r"delay|warning|still being retried|will (?:keep|continue)", re.IGNORECASE)
_VERP = re.compile(r"[\w.\-]+\+([a-zA-Z2-7]{16})@[\w.\-]+")
#: Where a plain bounce starts quoting the message (qmail, Exim, Postfix's plain form).
_QUOTED = re.compile(
    r"^-*\s*(?:below this line is a copy of the message|this is a copy of the message"
    r"|original message follows|undelivered message headers follow)",
    re.IGNORECASE | re.MULTILINE,
)
_MESSAGE_ID = re.compile(r"^message-id:\s*<([a-zA-Z2-7]{16})@", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Report:
    """What a report says: the message's reference (if it names one of ours) and its fate:
    ``bounced``, ``delivered`` or ``delayed`` (or a provider's ``failed``), with the status
    code (``5.1.1``) if any."""

    ref: str | None
    fate: str
    status: str = ""


def _parse(raw: bytes) -> Message:
    return email.message_from_bytes(raw[:MAX_REPORT], policy=email.policy.compat32)


def _text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return payload.decode(part.get_content_charset() or "utf-8", "replace")


def _status_code(value: str) -> str:
    found = _STATUS.search(value or "")
    return ".".join(found.groups()) if found else ""


def _fate_of_fields(fields: Message) -> tuple[str, str] | None:
    """A recipient's fate from its DSN fields, or None if they say nothing we read."""
    status = _status_code(str(fields.get("Status", "")))
    action = str(fields.get("Action", "")).strip().lower()
    fate = _ACTIONS.get(action) or (_BY_CLASS.get(status[:1]) if status else None)
    return (fate, status) if fate else None


def _dsn_blocks(report: Message) -> list[Message]:
    for part in report.walk():
        if part.get_content_type() == "message/delivery-status":
            blocks = part.get_payload()
            if isinstance(blocks, list):
                return [b for b in blocks if isinstance(b, Message)]
            # Some servers send it unparsed: read it as header blocks ourselves.
            text = _text(part) if not isinstance(blocks, str) else blocks
            return [email.message_from_string(b) for b in re.split(r"\r?\n\r?\n", text) if b]
    return []


def _returned_headers(report: Message) -> Iterable[Message]:
    """The original message's headers, as a report returns them."""
    for part in report.walk():
        kind = part.get_content_type()
        if kind == "text/rfc822-headers":
            yield email.message_from_string(_text(part) or str(part.get_payload()))
        elif kind == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                yield inner[0]


def _own_parts(message: Message) -> Iterable[Message]:
    """The report's own parts, not those of a message it quotes (message/rfc822)."""
    if message.get_content_type() == "message/rfc822":
        return
    if message.is_multipart():
        payload = message.get_payload()
        for part in payload if isinstance(payload, list) else []:
            if isinstance(part, Message):
                yield from _own_parts(part)
    else:
        yield message


def _own_text(report: Message) -> str:
    return "\n".join(_text(p) for p in _own_parts(report) if p.get_content_maintype() == "text")


def _plain_text(report: Message) -> str:
    """The report's own words, up to where it starts quoting the message it returns."""
    text = _own_text(report)
    quote = _QUOTED.search(text)
    return text[: quote.start()] if quote else text


def _ref(
    report: Message, blocks: Sequence[Message], to: Sequence[str], bounce_address: str
) -> str | None:
    addresses = [*to]
    for name in ("Delivered-To", "X-Original-To", "Envelope-To", "To"):
        addresses += [str(v) for v in report.get_all(name, [])]
    for address in addresses:
        found = ref_in(address, bounce_address)
        if found:
            return found
    for block in blocks:
        envid = str(block.get("Original-Envelope-Id", "")).strip().lower()
        if is_ref(envid):
            return envid
    for headers in _returned_headers(report):
        found = ref_of_message_id(str(headers.get("Message-ID", "")))
        if found:
            return found
        found = ref_in(str(headers.get("Return-Path", "")), bounce_address)
        if found:
            return found
    text = _own_text(report)
    for pattern in (_MESSAGE_ID, _VERP):
        match = pattern.search(text)
        if match and is_ref(match.group(1).lower()):
            return match.group(1).lower()
    return None


def _plain_fate(report: Message) -> tuple[str, str] | None:
    """A plain bounce's fate from its codes and its subject (see the module's text)."""
    text = _plain_text(report)
    subject = str(report.get("Subject", ""))
    codes = [".".join(m.groups()) for m in _STATUS.finditer(text)]
    replies = [m.group(1) for m in _REPLY.finditer(text)]
    permanent = [c for c in codes if c.startswith("5")] or (
        ["5.0.0"] if "5" in replies and not codes else []
    )
    transient = [c for c in codes if c.startswith("4")] or (
        ["4.0.0"] if "4" in replies and not codes else []
    )
    if permanent:
        return BOUNCED, permanent[0]
    returned = bool(_RETURNED.search(subject)) and not _DELAY.search(subject)
    if transient:
        return (BOUNCED if returned else DELAYED), transient[0]
    if returned:
        return BOUNCED, ""
    return None


def read_report(raw: bytes, to: Sequence[str] = (), bounce_address: str = "") -> Report | None:
    """What a bounce or delivery report says, or None if it is not one we can read.

    ``to``: the addresses the report was delivered to (the envelope's), when known.
    """
    try:
        report = _parse(raw)
    except Exception:  # the email package is lenient; this is a last guard
        return None
    blocks = _dsn_blocks(report)
    fate: tuple[str, str] | None = None
    for block in blocks:  # the per-message block has no Action: it is skipped
        if block.get("Action") or block.get("Status"):
            fate = _fate_of_fields(block)
            if fate:
                break
    if fate is None and not blocks:
        fate = _plain_fate(report)
    if fate is None:
        return None
    return Report(_ref(report, blocks, to, bounce_address), fate[0], fate[1])
