"""One SMTP connection to the relay, and what each delivery attempt came to.

The sender keeps a single connection open across many messages (a TLS handshake and
login per message would cap throughput far below what a roll of 260,000 needs), and
turns every SMTP reply or transport error into an Outcome the worker can act on:
sent, try again later (4xx replies, lost connections), or give up now (5xx replies).
It never logs or returns message bodies: they contain voting links.

Each e-mail goes out under its own reference (:mod:`ballot.mail.envelope`): as the
envelope sender when ``BALLOT_BOUNCE_ADDRESS`` is set, and always in its Message-ID, so
that bounces and delivery reports find it (:mod:`ballot.mail.bounces`).
"""

from __future__ import annotations

import binascii
import json
import logging
import re
import secrets
from dataclasses import dataclass
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr
from enum import Enum
from functools import lru_cache

import aiosmtplib

from ballot.config import Settings
from ballot.mail.envelope import bounce_parts, envelope_sender, message_id

log = logging.getLogger("ballot.mail")

TLS_MODES = ("none", "starttls", "tls")
CONNECT_TIMEOUT = 30.0


class Result(Enum):
    SENT = "sent"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class Outcome:
    result: Result
    error: str = ""
    #: The gateway's id for a text message (its delivery receipts name it); None for mail.
    ref: str | None = None


@dataclass(frozen=True)
class Outgoing:
    """A claimed outbox row, as much of it as sending needs."""

    id: int
    to_address: str
    language: str
    subject: str
    body_text: str
    body_html: str | None
    attempts: int
    #: Where replies go (the committee's reply address); None: to the From address.
    reply_to: str | None = None
    #: "email", or "sms" (then ``to_address`` is a phone number and there is no subject).
    channel: str = "email"
    #: The e-mail's opaque reference (:mod:`ballot.mail.envelope`); None for older rows.
    envelope_ref: str | None = None


class RelayUnavailable(Exception):
    """The relay cannot be reached or refuses us (login): no message can go out now."""


_SECRETISH = re.compile(r"/v/[^\s\"'<>]+|[A-Za-z0-9_\-]{22,}")


def scrub(error: str) -> str:
    """An error text safe to store and show: no link tokens, one line, bounded length.

    Relays sometimes echo parts of what they were given; anything shaped like a voting
    link or a long token is cut out before the text reaches the database or the log.
    """
    text = _SECRETISH.sub("[redacted]", " ".join(error.split()))
    return text[:480]


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip(">").strip() or "localhost"


def _header(name: str, value: str) -> bytes:
    """One header line; non-ASCII values become RFC 2047 encoded words, folded."""
    if "\r" in value or "\n" in value:
        raise ValueError(f"line break in the {name} header")
    if value.isascii():
        return f"{name}: {value}\r\n".encode("ascii")
    return f"{name}: {Header(value, 'utf-8', header_name=name).encode()}\r\n".encode("ascii")


@lru_cache(maxsize=8)
def _from_header(mail_from: str) -> bytes:
    """The From line; a non-ASCII display name is encoded, the address itself never is."""
    name, address = parseaddr(mail_from)
    if "@" not in address or not address.isascii():
        raise ValueError("mail_from must contain a plain ASCII email address")
    return _header("From", formataddr((name, address), charset="utf-8"))


def _qp_part(content_type: str, body: str) -> bytes:
    text = "\r\n".join(body.splitlines()) + "\r\n"
    encoded = binascii.b2a_qp(text.encode("utf-8"), istext=True)
    return (
        f'Content-Type: {content_type}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode("ascii") + encoded


def build_message(settings: Settings, out: Outgoing) -> bytes:
    """The MIME message: plain text with an HTML alternative, tagged with its language.

    Assembled directly rather than with ``email.message.EmailMessage``: the standard
    library's header registry costs milliseconds per message, which alone would cap the
    worker below 200 messages a second.  The structure is the textbook one (RFC 2046
    multipart/alternative, quoted-printable UTF-8 parts, RFC 2047 subject) and the tests
    parse it back with the standard library.
    """
    if not out.to_address.isascii() or not (out.reply_to or "").isascii():
        raise ValueError("internationalised (non-ASCII) addresses are not supported")
    domain = _domain(settings.mail_from)
    head = b"".join(
        (
            _from_header(settings.mail_from),
            _header("To", out.to_address),
            _header("Reply-To", out.reply_to) if out.reply_to else b"",
            _header("Subject", out.subject),
            _header("Date", formatdate(usegmt=True)),
            _header("Message-ID", message_id(out.envelope_ref or secrets.token_hex(16), domain)),
            _header("Content-Language", out.language),
            _provider_header(settings, out.envelope_ref),
            b"Auto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n",
        )
    )
    if not out.body_html:
        return head + _qp_part("text/plain", out.body_text)
    # "=_" never occurs in quoted-printable output, so the boundary cannot collide.
    boundary = f"=_{secrets.token_hex(12)}".encode("ascii")
    return b"".join(
        (
            head,
            b'Content-Type: multipart/alternative; boundary="' + boundary + b'"\r\n\r\n',
            b"--" + boundary + b"\r\n",
            _qp_part("text/plain", out.body_text),
            b"\r\n--" + boundary + b"\r\n",
            _qp_part("text/html", out.body_html),
            b"\r\n--" + boundary + b"--\r\n",
        )
    )


def _provider_header(settings: Settings, ref: str | None) -> bytes:
    """Mailgun reports an event with the message's "user variables", which it reads from
    this header: the reference, so that its events find the message."""
    if settings.mail_events != "mailgun" or ref is None:
        return b""
    return _header("X-Mailgun-Variables", json.dumps({"ballot_ref": ref}))


def dsn_options(settings: Settings, ref: str | None, offered: bool) -> tuple[list[str], list[str]]:
    """MAIL and RCPT parameters asking a relay that offers DSN (RFC 3461) for reports.

    ``RET=HDRS``: a report returns only the headers, never the body with the member's
    link, so a bounce mailbox holds no live link.  ``ENVID``: the reference, which the
    report repeats (``Original-Envelope-Id``).  ``NOTIFY``: failures and delays, and
    deliveries too with ``BALLOT_MAIL_DSN_SUCCESS``.
    """
    if not offered or ref is None:
        return [], []
    notify = "SUCCESS,FAILURE,DELAY" if settings.mail_dsn_success else "FAILURE,DELAY"
    return ["RET=HDRS", f"ENVID={ref}"], [f"NOTIFY={notify}"]


def _reply(code: int, message: str) -> str:
    return scrub(f"{code} {message}")


class SmtpSender:
    """Sends messages over one reused connection; reconnects after it is lost."""

    def __init__(self, settings: Settings) -> None:
        if settings.smtp_tls not in TLS_MODES:
            raise ValueError(f"smtp_tls must be one of {', '.join(TLS_MODES)}")
        _from_header(settings.mail_from)  # a bad sender address stops the worker at start
        if settings.bounce_address and bounce_parts(settings.bounce_address) is None:
            raise ValueError("bounce_address must be one plain address like bounces@example.org")
        self.settings = settings
        self.envelope_from = parseaddr(settings.mail_from)[1]
        self._smtp: aiosmtplib.SMTP | None = None

    async def _connection(self) -> aiosmtplib.SMTP:
        if self._smtp is not None and self._smtp.is_connected:
            return self._smtp
        s = self.settings
        smtp = aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            use_tls=s.smtp_tls == "tls",
            start_tls=s.smtp_tls == "starttls",
            timeout=CONNECT_TIMEOUT,
        )
        try:
            await smtp.connect()
            if s.smtp_user:
                await smtp.login(s.smtp_user, s.smtp_password or "")
        except aiosmtplib.SMTPResponseException as exc:
            await self._drop(smtp)
            raise RelayUnavailable(_reply(exc.code, exc.message)) from None
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            await self._drop(smtp)
            raise RelayUnavailable(
                scrub(f"cannot reach {s.smtp_host}:{s.smtp_port}: {exc}")
            ) from None
        self._smtp = smtp
        return smtp

    @staticmethod
    async def _drop(smtp: aiosmtplib.SMTP) -> None:
        try:
            smtp.close()
        except Exception:  # pragma: no cover - closing a broken transport
            log.debug("closing a broken SMTP connection failed", exc_info=True)

    async def send(self, out: Outgoing) -> Outcome:
        """Try to deliver one message; raises RelayUnavailable if the relay is unreachable."""
        smtp = await self._connection()
        try:
            data = build_message(self.settings, out)
        except ValueError as exc:  # e.g. an address this relay path cannot carry
            return Outcome(Result.PERMANENT, scrub(str(exc)))
        sender = envelope_sender(self.settings.bounce_address, out.envelope_ref)
        mail_options, rcpt_options = dsn_options(
            self.settings, out.envelope_ref, smtp.supports_extension("dsn")
        )
        try:
            await smtp.sendmail(
                sender or self.envelope_from,
                [out.to_address],
                data,
                mail_options=mail_options,
                rcpt_options=rcpt_options,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients[0]
            return self._classify(refused.code, refused.message)
        except aiosmtplib.SMTPSenderRefused as exc:
            # Our own sender address refused: a relay configuration problem, not this
            # member's; keep the message for when the relay is fixed.
            return Outcome(Result.TEMPORARY, _reply(exc.code, exc.message))
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code == 421:  # the relay is closing this connection
                await self.close()
            return self._classify(exc.code, exc.message)
        except aiosmtplib.SMTPNotSupported as exc:
            return Outcome(Result.PERMANENT, scrub(str(exc)))
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            await self.close()
            return Outcome(Result.TEMPORARY, scrub(f"connection lost: {exc}"))
        return Outcome(Result.SENT)

    @staticmethod
    def _classify(code: int, message: str) -> Outcome:
        result = Result.PERMANENT if 500 <= code < 600 else Result.TEMPORARY
        return Outcome(result, _reply(code, message))

    async def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        if smtp.is_connected:
            try:
                await smtp.quit()
            except Exception:
                await self._drop(smtp)
