"""A small local SMTP server that keeps what it receives: for ``ballot demo`` and tests.

It is a real SMTP server (aiosmtpd, in its own thread), so the worker is exercised
exactly as against a production relay.  Tests can make it answer like a troubled
relay through ``on_rcpt`` / ``on_data`` hooks that return an SMTP reply such as
``"451 4.3.0 try again later"`` instead of accepting.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

#: A hook gets the recipient address (on_rcpt) or the whole envelope (on_data) and returns
#: None to accept, or a complete SMTP reply line to refuse.
RcptHook = Callable[[str], str | None]
DataHook = Callable[[Envelope], str | None]


def _free_port(host: str) -> int:
    # aiosmtpd's Controller must know its port before it starts (it connects to itself).
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class _Handler:
    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        hook = self.sink.on_rcpt
        refusal = hook(address) if hook else None
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        hook = self.sink.on_data
        refusal = hook(envelope) if hook else None
        if refusal:
            return refusal
        self.sink._receive(envelope)
        return "250 Message accepted for delivery"


class MailSink:
    """Collects messages in ``messages`` (parsed EmailMessage objects), optionally as .eml files."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        folder: Path | None = None,
        keep: bool = True,
        on_rcpt: RcptHook | None = None,
        on_data: DataHook | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.folder = folder
        self.keep = keep
        self.on_rcpt = on_rcpt
        self.on_data = on_data
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.count = 0
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    def _receive(self, envelope: Envelope) -> None:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode()
        with self._lock:
            self.count += 1
            n = self.count
            self.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
            if self.keep:
                parsed = email.message_from_bytes(raw, policy=email.policy.default)
                self.messages.append(parsed)
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / f"{n:06d}.eml").write_bytes(raw)

    def start(self) -> MailSink:
        if self._controller is not None:
            return self
        if not self.port:
            self.port = _free_port(self.host)
        # decode_data=False keeps the raw bytes so 8-bit UTF-8 bodies survive intact.
        controller = Controller(_Handler(self), hostname=self.host, port=self.port)
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.envelopes.clear()
            self.count = 0

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
