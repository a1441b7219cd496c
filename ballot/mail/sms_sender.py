"""The outbox worker's sender for text messages: the configured gateway, seen as a relay.

The worker treats both channels alike (claim, send, record, retry with backoff); this
adapts a gateway's outcome to the worker's: a gateway that is unreachable or refuses our
credentials is an unavailable relay (sending pauses, nobody's attempts are spent), 429,
5xx and timeouts are temporary, any other refusal is final for that message.
"""

from __future__ import annotations

from ballot.config import Settings
from ballot.mail.sender import Outcome, Outgoing, RelayUnavailable, Result
from ballot.sms.gateway import Gateway, Handover, TextMessage, gateway_for

_RESULTS = {
    Handover.SENT: Result.SENT,
    Handover.TEMPORARY: Result.TEMPORARY,
    Handover.PERMANENT: Result.PERMANENT,
}


class SmsSender:
    """Sends claimed text messages through one gateway (one HTTP client, kept open)."""

    def __init__(self, settings: Settings, gateway: Gateway | None = None) -> None:
        chosen = gateway or gateway_for(settings)
        if chosen is None:
            raise ValueError("no SMS gateway is configured (BALLOT_SMS_GATEWAY=none)")
        self.gateway = chosen

    async def send(self, out: Outgoing) -> Outcome:
        outcome = await self.gateway.send(TextMessage(out.id, out.to_address, out.body_text))
        if outcome.result is Handover.UNAVAILABLE:
            raise RelayUnavailable(outcome.error)
        return Outcome(_RESULTS[outcome.result], outcome.error, ref=outcome.ref)

    async def close(self) -> None:
        await self.gateway.close()
