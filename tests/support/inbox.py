"""One mail inbox for the tests: a real SMTP server (``MailSink``) that wakes whoever waits.

Tests that wait for invitations block on a condition the SMTP handler signals, instead
of sleeping in a loop; each inbox listens on its own free port, so parallel workers
never share one.
"""

from __future__ import annotations

import re
import threading
from email.message import EmailMessage

from aiosmtpd.smtp import Envelope

from ballot.mail.sink import MailSink

LINK = re.compile(r"https?://[^\s/]+/v/([A-Za-z0-9_\-]+)")


def plain_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "a message without a plain-text part"
    return str(part.get_content())


class Inbox(MailSink):
    """Every message the server under test sent, with a way to wait for the next ones."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._arrived = threading.Condition()

    def _receive(self, envelope: Envelope) -> None:
        super()._receive(envelope)
        with self._arrived:
            self._arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 40.0) -> list[EmailMessage]:
        """Until ``count`` messages have arrived (all of them so far, in order)."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"only {len(self.messages)} of {count} messages arrived")
        return list(self.messages)

    def tokens(
        self, messages: list[EmailMessage] | None = None, base: str | None = None
    ) -> dict[str, str]:
        """email -> voting token, from the links in the invitations (to ``base``, if given)."""
        link = re.compile(re.escape(base) + r"/v/([A-Za-z0-9_\-]+)") if base else LINK
        out: dict[str, str] = {}
        for message in self.messages if messages is None else messages:
            found = link.search(plain_text(message))
            assert found is not None, f"an invitation without a voting link: {plain_text(message)}"
            out[str(message["To"]).strip("<>")] = found.group(1)
        return out

    def links(self, base: str, messages: list[EmailMessage] | None = None) -> dict[str, str]:
        """email -> the whole voting link (``base``/v/token)."""
        found = self.tokens(messages, base)
        return {email: f"{base}/v/{token}" for email, token in found.items()}
