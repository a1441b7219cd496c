"""The mail provider's delivery events: ``POST /mail/events/mailgun``, believed only if signed.

Mailgun posts JSON events (:mod:`ballot.mail.mailgun`) to this address, configured in its
control panel as the webhook for *delivered*, *permanent failure* and *temporary
failure*.  Answers, in Mailgun's terms:

* 403: not signed with ``BALLOT_MAILGUN_SIGNING_KEY`` (or stale, or a replay), or Mailgun
  is not the configured provider (``BALLOT_MAIL_EVENTS``): nothing changes;
* 400: not JSON with a signature; 413: larger than :data:`MAX_BODY`;
* 406: signed, but about no message of ours (another sender on the same account, or a
  reference we never made): nothing changes, and Mailgun does not send it again;
* 200: recorded, or nothing new (an event we do not record, a status already known).
"""

from __future__ import annotations

import json
import time
from typing import Any

from litestar import Controller, Request, Response, post

from ballot.config import Settings
from ballot.mail.bounce_inbox import Taken, record_report
from ballot.mail.mailgun import SeenTokens, event_report, mailgun_signed
from ballot.web.deps import Db

#: Largest event read (Mailgun's are a few KB).
MAX_BODY = 65_536


def _answer(status: int, text: str) -> Response[dict[str, str]]:
    return Response({"result": text}, status_code=status, media_type="application/json")


def _seen(request: Request[Any, Any, Any]) -> SeenTokens:
    state = request.app.state
    if not hasattr(state, "mailgun_tokens"):
        state.mailgun_tokens = SeenTokens()
    seen: SeenTokens = state.mailgun_tokens
    return seen


class MailEvents(Controller):
    path = "/mail/events"
    include_in_schema = False

    @post("/mailgun", opt={"access": "public", "exclude_from_csrf": True}, status_code=200)
    async def mailgun(self, request: Request[Any, Any, Any], db: Db) -> Response[dict[str, str]]:
        settings: Settings = request.app.state.settings
        if settings.mail_events != "mailgun" or not settings.mailgun_signing_key:
            return _answer(403, "refused")
        body = await request.body()
        if len(body) > MAX_BODY:
            return _answer(413, "too large")
        try:
            data = json.loads(body)
        except ValueError:
            return _answer(400, "expected Mailgun's JSON event")
        if not isinstance(data, dict) or not isinstance(data.get("signature"), dict):
            return _answer(400, "expected Mailgun's JSON event")
        signature = data["signature"]
        if not mailgun_signed(settings.mailgun_signing_key, signature, time.time()):
            return _answer(403, "refused")
        if not _seen(request).first_time(str(signature["token"])):
            return _answer(403, "refused")
        report = event_report(data.get("event-data"))
        if report is None:
            return _answer(200, "nothing new")
        outcome = await record_report(db, report, request.app.state.clock())
        if outcome.taken is Taken.UNKNOWN:
            return _answer(406, "names no message of ours")
        await db.commit()
        return _answer(200, outcome.taken.value)
