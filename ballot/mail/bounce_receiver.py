"""A small SMTP receiver for bounces: the mail server hands it what comes to the bounce address.

``ballot mail receive-bounces`` listens (127.0.0.1:2525 by default) for the mail server
that receives the bounce domain's mail (Postfix: a transport map entry sending that
domain to ``smtp:[127.0.0.1]:2525``; docs/OPERATIONS.md).  It is aiosmtpd's SMTP
server, in this process's event loop.  Each recipient is checked as it is named: only
``bounces+<ref>@<domain>`` for a message of ours is taken (``250``); any other address,
or a reference we never sent, is refused with ``550 5.1.1`` before any data comes, so a
report about someone else's mail never gets in.  The data is read as a report
(:mod:`ballot.mail.bounce_inbox`) and dropped; what it said is recorded, and the reply
says which (``250`` in every case: refusing a bounce would only bounce it again).
Reports larger than :data:`ballot.mail.bounces.MAX_REPORT` are refused (``552``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ballot.config import Settings
from ballot.mail.bounce_inbox import Taken, take_report
from ballot.mail.bounces import MAX_REPORT
from ballot.mail.envelope import bounce_parts, ref_in
from ballot.mail.receipts import email_message
from ballot.store.types import utcnow

log = logging.getLogger("ballot.mail")

_REPLIES = {
    Taken.RECORDED: "250 2.0.0 Delivery status recorded",
    Taken.NOTHING_NEW: "250 2.0.0 Nothing new: already recorded",
    Taken.UNKNOWN: "250 2.0.0 Names no message of ours: nothing changed",
    Taken.UNREADABLE: "250 2.0.0 Not a delivery report: discarded",
}


class _Handler:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        bounce_address: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.session_factory = session_factory
        self.bounce_address = bounce_address
        self.clock = clock

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        ref = ref_in(address, self.bounce_address)
        if ref is None:
            return "550 5.1.1 Not a bounce address here"
        async with self.session_factory() as db:
            if await email_message(db, ref) is None:
                return "550 5.1.1 No message of ours has this reference"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        taken = Taken.UNREADABLE
        async with self.session_factory() as db, db.begin():
            for address in envelope.rcpt_tos:
                outcome = await take_report(
                    db, raw, self.clock(), to=(address,), bounce_address=self.bounce_address
                )
                taken = outcome.taken
        return _REPLIES[taken]


class BounceReceiver:
    """The receiver, started and closed in the running event loop."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        settings: Settings,
        host: str = "127.0.0.1",
        port: int = 2525,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if bounce_parts(settings.bounce_address) is None:
            raise ValueError(
                "set BALLOT_BOUNCE_ADDRESS (e.g. bounces@mail.example.org): "
                "the receiver takes only the bounce addresses it makes"
            )
        self.handler = _Handler(session_factory, settings.bounce_address, clock)
        self.host, self.port = host, port
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        """Listen; returns the port (a free one if ``port`` was 0).

        aiosmtpd logs each command it reads ("mail.log"), and at debug level every line
        of data, addresses included: it is held to warnings.
        """
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(
                self.handler, data_size_limit=MAX_REPORT, hostname="ballot-bounces", loop=loop
            ),
            host=self.host,
            port=self.port,
        )
        self.port = int(self._server.sockets[0].getsockname()[1])
        log.info("bounce receiver listening on %s:%d", self.host, self.port)
        return self.port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
