"""An open election whose invitations went out through a real SMTP server (aiosmtpd), with a
bounce address and Mailgun's events configured (:func:`bounce_settings`); each member's outbox row; DSNs made from
the samples in tests/mail/reports for a given message; Mailgun events, signed or not."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import Litestar
from sqlalchemy import select

from ballot.config import Settings
from ballot.mail.mailgun import mailgun_signature
from ballot.mail.receipts import member_delivery
from ballot.mail.sink import MailSink
from ballot.mail.worker import DeliveryPolicy, run_worker
from ballot.store.models import Voter
from ballot.store.outbox import OutboxMessage
from tests.support.asgi import Web, create_draft, make_ready, settings_for

BOUNCES = "bounces@mail.local42.example"
SIGNING_KEY = "key-0123456789abcdef0123456789abcdef"  # a test key
REPORTS = Path(__file__).parent.parent / "mail" / "reports"
SAMPLE_REF = "k2m7q3x5z4w6n2pa"
QUICK = DeliveryPolicy(max_attempts=2, backoff_base=0.05, idle_poll=0.01, relay_pause_max=0.05)
ROLL = """member_id,name,email,phone,channel,language,unit
B1,Ana Lopez,ana@example.org,,,es,North
B2,Ben Carter,ben@example.org,415-555-2672,,en,North
B3,Chen Wei,chen@example.org,,,en,South
B4,Dolores Ruiz,dolores@example.org,,,es,South
B5,Fay Green,fay@example.org,,,en,East
"""


def bounce_settings(migrated_db_url: str, folder: Path, sink: MailSink) -> Settings:
    """The app's settings: mail to ``sink``, a bounce address, Mailgun's events."""
    return settings_for(migrated_db_url, folder).with_(
        smtp_port=sink.port,
        mail_rate=0,
        mail_from="Local 42 Election <elections@local42.example>",
        bounce_address=BOUNCES,
        mail_events="mailgun",
        mailgun_signing_key=SIGNING_KEY,
    )


@dataclass(frozen=True)
class Sent:
    """One member's invitation as the outbox keeps it."""

    member_id: str
    voter_id: int
    outbox_id: int
    ref: str
    to: str


async def open_and_send(app: Litestar, admin: Web) -> tuple[str, dict[str, Sent]]:
    """Open the election and send its invitations: its id, and each member's e-mail."""
    election_id = await create_draft(admin)
    await make_ready(admin, election_id, ROLL)
    r = await admin.post(f"/api/elections/{election_id}/state", json={"target": "open"})
    assert r.status_code == 200, r.text
    await run_worker(app.state.session_factory, app.state.settings, once=True, policy=QUICK)
    async with app.state.session_factory() as db:
        members = {
            str(i): (m, e)
            for i, m, e in await db.execute(select(Voter.id, Voter.member_id, Voter.email))
        }
        rows = await db.execute(
            select(OutboxMessage.voter_ref, OutboxMessage.id, OutboxMessage.envelope_ref).where(
                OutboxMessage.election_id == election_id, OutboxMessage.status == "sent"
            )
        )
        sent = {}
        for voter_ref, outbox_id, ref in rows:
            member, address = members[voter_ref]
            sent[member] = Sent(member, int(voter_ref), outbox_id, ref, address)
    return election_id, sent


async def delivery(app: Litestar, election_id: str) -> dict[str, dict[str, str]]:
    async with app.state.session_factory() as db:
        ids = {m: i for m, i in await db.execute(select(Voter.member_id, Voter.id))}
        found = await member_delivery(db, election_id, list(ids.values()))
    return {m: found[i] for m, i in ids.items()}


def dsn(sample: str, ref: str) -> bytes:
    """A sample report, made about the message named ``ref``."""
    return (REPORTS / sample).read_bytes().replace(SAMPLE_REF.encode(), ref.encode())


def mailgun_event(
    event: dict[str, Any], *, key: str = SIGNING_KEY, at: float | None = None, token: str = ""
) -> dict[str, Any]:
    timestamp = str(int(time.time() if at is None else at))
    token = token or uuid.uuid4().hex + uuid.uuid4().hex[:18]
    return {
        "signature": {
            "timestamp": timestamp,
            "token": token,
            "signature": mailgun_signature(key, timestamp, token),
        },
        "event-data": event,
    }


def delivered_event(ref: str, recipient: str) -> dict[str, Any]:
    """Mailgun's "delivered" event, as its documentation shows one (trimmed)."""
    return {
        "event": "delivered",
        "id": "CCXMjJ7nQi2N3BPigGOdgQ",
        "timestamp": time.time(),
        "recipient": recipient,
        "log-level": "info",
        "envelope": {"sender": BOUNCES, "targets": recipient, "transport": "smtp"},
        "message": {"headers": {"message-id": f"{ref}@local42.example", "to": recipient}},
        "delivery-status": {"code": 250, "message": "OK", "attempt-no": 1},
        "user-variables": {"ballot_ref": ref},
    }


def failed_event(
    ref: str, recipient: str, severity: str, code: int, enhanced: str
) -> dict[str, Any]:
    """Mailgun's "failed" event (permanent or temporary), named only by the Message-ID."""
    return {
        "event": "failed",
        "severity": severity,
        "reason": "bounce" if severity == "permanent" else "generic",
        "recipient": recipient,
        "log-level": "error" if severity == "permanent" else "warn",
        "message": {"headers": {"message-id": f"{ref}@local42.example", "to": recipient}},
        "delivery-status": {
            "code": code,
            "enhanced-code": enhanced,
            "message": f"{code} {enhanced} mailbox problem",
            "attempt-no": 1,
        },
    }


def as_json(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode()
