"""SMS gateway adaptors: Twilio's Messages API, and a generic signed JSON POST.

Each adaptor turns one text message into one HTTP request and the answer into a
:class:`GatewayOutcome` the outbox worker acts on: handed over (with the gateway's id for
the message, which its delivery receipts name), try again later (429, 5xx, a timeout),
give up (any other 4xx: a number the gateway will not text), or the gateway is unusable
for every message (unreachable, or it refuses our credentials), which pauses sending
without spending anyone's attempts.

The body of a message holds the member's voting link.  Nothing here logs a request or
a body, and an error text is scrubbed of anything link- or token-shaped before it leaves
(:func:`scrub`): a gateway may echo what it was given.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

import httpx

from ballot.config import Settings
from ballot.sms.signatures import generic_signature

GATEWAYS = ("none", "twilio", "generic")
TIMEOUT = httpx.Timeout(15.0, connect=10.0)
#: Where a gateway posts delivery receipts, after the base address; ``{id}`` is ours.
RECEIPT_PATHS = {
    "twilio": "/sms/receipts/twilio/{id}",
    "generic": "/sms/receipts/generic/{id}",
}


class Handover(Enum):
    SENT = "sent"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class GatewayOutcome:
    result: Handover
    ref: str | None = None  #: the gateway's id for the message
    error: str = ""


@dataclass(frozen=True)
class TextMessage:
    id: int  #: our outbox id (the receipt URL names it)
    to: str  #: E.164
    body: str


class Gateway(Protocol):
    async def send(self, message: TextMessage) -> GatewayOutcome: ...

    async def close(self) -> None: ...


_SECRETISH = re.compile(r"/v/[^\s\"'<>]+|[A-Za-z0-9_\-]{22,}")


def scrub(error: str) -> str:
    """An error text safe to store and log: no link or token, one line, bounded."""
    return _SECRETISH.sub("[redacted]", " ".join(error.split()))[:480]


def receipt_url(settings: Settings, gateway: str, message_id: int) -> str:
    return settings.base_url + RECEIPT_PATHS[gateway].format(id=message_id)


def _classify(response: httpx.Response, what: str) -> GatewayOutcome:
    """A non-success answer: who should try again, and the gateway's own words for why."""
    try:
        detail = response.json()
        words = f"{detail.get('code', '')} {detail.get('message', '')}".strip()
    except (ValueError, AttributeError):
        words = response.text[:200]
    error = scrub(f"{what} answered HTTP {response.status_code}: {words}")
    status = response.status_code
    if status in (401, 403):
        return GatewayOutcome(Handover.UNAVAILABLE, error=error)
    if status == 429 or status >= 500 or status == 408:
        return GatewayOutcome(Handover.TEMPORARY, error=error)
    return GatewayOutcome(Handover.PERMANENT, error=error)


async def _post(
    client: httpx.AsyncClient, what: str, url: str, **kwargs: Any
) -> httpx.Response | GatewayOutcome:
    try:
        return await client.post(url, **kwargs)
    except httpx.TimeoutException:
        return GatewayOutcome(Handover.TEMPORARY, error=f"{what} did not answer in time")
    except httpx.HTTPError as exc:
        return GatewayOutcome(
            Handover.UNAVAILABLE, error=scrub(f"cannot reach {what}: {type(exc).__name__}")
        )


class TwilioGateway:
    """Twilio's Messages API: ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``,
    form fields ``To``, ``From`` (or ``MessagingServiceSid``), ``Body`` and
    ``StatusCallback``, HTTP basic auth with the account SID and auth token; the answer
    is JSON with the message's ``sid`` and ``status``."""

    def __init__(self, settings: Settings, client: httpx.AsyncClient | None = None) -> None:
        if not (settings.twilio_account_sid and settings.twilio_auth_token and settings.sms_from):
            raise ValueError(
                "BALLOT_SMS_GATEWAY=twilio needs BALLOT_TWILIO_ACCOUNT_SID, "
                "BALLOT_TWILIO_AUTH_TOKEN and BALLOT_SMS_FROM"
            )
        self.settings = settings
        self.url = (
            f"{settings.twilio_api_url}/2010-04-01/Accounts/"
            f"{settings.twilio_account_sid}/Messages.json"
        )
        self.client = client or httpx.AsyncClient(timeout=TIMEOUT)

    async def send(self, message: TextMessage) -> GatewayOutcome:
        s = self.settings
        sender = "MessagingServiceSid" if s.sms_from.startswith("MG") else "From"
        form = {
            "To": message.to,
            sender: s.sms_from,
            "Body": message.body,
            "StatusCallback": receipt_url(s, "twilio", message.id),
        }
        answer = await _post(
            self.client,
            "Twilio",
            self.url,
            data=form,
            auth=(s.twilio_account_sid, s.twilio_auth_token),
        )
        if isinstance(answer, GatewayOutcome):
            return answer
        if answer.status_code not in (200, 201):
            return _classify(answer, "Twilio")
        try:
            sid = str(answer.json()["sid"])
        except (ValueError, KeyError, TypeError):
            return GatewayOutcome(Handover.TEMPORARY, error="Twilio's answer had no message sid")
        return GatewayOutcome(Handover.SENT, ref=sid[:64])

    async def close(self) -> None:
        await self.client.aclose()


class GenericGateway:
    """Any gateway that takes a signed JSON POST: ``{"message_id", "to", "from", "body",
    "status_callback"}`` with ``X-Ballot-Timestamp`` and ``X-Ballot-Signature``
    (:mod:`ballot.sms.signatures`); a 2xx answer may name the gateway's ``id``."""

    def __init__(self, settings: Settings, client: httpx.AsyncClient | None = None) -> None:
        if not (settings.sms_generic_url and settings.sms_generic_secret):
            raise ValueError(
                "BALLOT_SMS_GATEWAY=generic needs BALLOT_SMS_GENERIC_URL and BALLOT_SMS_GENERIC_SECRET"
            )
        self.settings = settings
        self.client = client or httpx.AsyncClient(timeout=TIMEOUT)

    async def send(self, message: TextMessage) -> GatewayOutcome:
        s = self.settings
        body = json.dumps(
            {
                "message_id": str(message.id),
                "to": message.to,
                "from": s.sms_from,
                "body": message.body,
                "status_callback": receipt_url(s, "generic", message.id),
            },
            ensure_ascii=False,
        ).encode("utf-8")
        stamp = str(int(time.time()))
        answer = await _post(
            self.client,
            "the SMS gateway",
            s.sms_generic_url,
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Ballot-Timestamp": stamp,
                "X-Ballot-Signature": generic_signature(s.sms_generic_secret, stamp, body),
            },
        )
        if isinstance(answer, GatewayOutcome):
            return answer
        if not 200 <= answer.status_code < 300:
            return _classify(answer, "the SMS gateway")
        ref = str(message.id)
        try:
            found = answer.json().get("id")
            if found:
                ref = str(found)[:64]
        except (ValueError, AttributeError):
            pass
        return GatewayOutcome(Handover.SENT, ref=ref)

    async def close(self) -> None:
        await self.client.aclose()


def gateway_for(settings: Settings) -> Gateway | None:
    """The configured gateway, or None when text messages are switched off."""
    if settings.sms_gateway not in GATEWAYS:
        raise ValueError(f"BALLOT_SMS_GATEWAY must be one of {', '.join(GATEWAYS)}")
    if settings.sms_gateway == "twilio":
        return TwilioGateway(settings)
    if settings.sms_gateway == "generic":
        return GenericGateway(settings)
    return None
