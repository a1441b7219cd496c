"""Delivery receipts from the SMS gateway: one webhook per adaptor, believed only if signed.

``POST /sms/receipts/twilio/{id}`` takes Twilio's status callback (a form with
``MessageSid`` and ``MessageStatus``, signed in ``X-Twilio-Signature``); ``POST
/sms/receipts/generic/{id}`` takes the generic gateway's (JSON ``{"id", "status"}``,
signed in ``X-Ballot-Signature`` over ``X-Ballot-Timestamp`` and the body).  ``{id}`` is
our outbox id, put in the callback address when the message was sent; the signature
covers it.  A request without a good signature is refused with 403 and changes nothing,
as is one for a gateway that is not the one configured; an unknown message is 404; a
receipt that says nothing new is accepted (200) and ignored, so the gateway stops
retrying.  The signature is checked against the public address (``BALLOT_BASE_URL``),
which is what the gateway signed, not the address the proxy forwarded.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qsl

from litestar import Controller, Request, Response, post
from litestar.params import FromPath

from ballot.config import Settings
from ballot.mail.receipts import record_receipt, sms_message
from ballot.sms.receipts import receipt_word
from ballot.sms.signatures import generic_signed, twilio_signed
from ballot.web.deps import Db

#: Largest receipt body read (Twilio's callbacks are well under 2 KB).
MAX_BODY = 16_384
_OPT = {"access": "public", "exclude_from_csrf": True}


def _answer(status: int, text: str) -> Response[dict[str, str]]:
    return Response({"result": text}, status_code=status, media_type="application/json")


def _public_url(settings: Settings, request: Request[Any, Any, Any]) -> str:
    query = request.scope.get("query_string", b"").decode("latin-1")
    return settings.base_url + request.url.path + (f"?{query}" if query else "")


class SmsReceipts(Controller):
    path = "/sms/receipts"
    include_in_schema = False

    async def _record(
        self, request: Request[Any, Any, Any], db: Db, message_id: int, ref: str, word: str | None
    ) -> Response[dict[str, str]]:
        message = await sms_message(db, message_id)
        if message is None:
            return _answer(404, "no such text message")
        if word is None:
            return _answer(200, "nothing new")
        changed = await record_receipt(db, message, ref, word, request.app.state.clock())
        await db.commit()
        return _answer(200, "recorded" if changed else "nothing new")

    @post("/twilio/{message_id:int}", opt=_OPT, status_code=200)
    async def twilio(
        self, request: Request[Any, Any, Any], message_id: FromPath[int], db: Db
    ) -> Response[dict[str, str]]:
        settings: Settings = request.app.state.settings
        body = await request.body()
        if settings.sms_gateway != "twilio" or len(body) > MAX_BODY:
            return _answer(403, "refused")
        params = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        signature = request.headers.get("x-twilio-signature")
        url = _public_url(settings, request)
        if not twilio_signed(settings.twilio_auth_token, url, params, signature):
            return _answer(403, "refused")
        fields = dict(params)
        word = receipt_word("twilio", fields.get("MessageStatus", ""))
        return await self._record(request, db, message_id, fields.get("MessageSid", ""), word)

    @post("/generic/{message_id:int}", opt=_OPT, status_code=200)
    async def generic(
        self, request: Request[Any, Any, Any], message_id: FromPath[int], db: Db
    ) -> Response[dict[str, str]]:
        settings: Settings = request.app.state.settings
        body = await request.body()
        if settings.sms_gateway != "generic" or len(body) > MAX_BODY:
            return _answer(403, "refused")
        signed = generic_signed(
            settings.sms_generic_secret,
            request.headers.get("x-ballot-timestamp"),
            body,
            request.headers.get("x-ballot-signature"),
            time.time(),
        )
        if not signed:
            return _answer(403, "refused")
        try:
            data = json.loads(body)
            ref, status = str(data["id"]), str(data["status"])
        except (ValueError, KeyError, TypeError):
            return _answer(400, "expected JSON with id and status")
        return await self._record(request, db, message_id, ref, receipt_word("generic", status))
