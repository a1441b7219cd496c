"""A fake SMS gateway on localhost that speaks Twilio's Messages API (and the generic one).

``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP basic auth and the form
fields To, From (or MessagingServiceSid), Body, StatusCallback answers 201 with JSON
``{"sid", "status", ...}`` as Twilio does; ``POST /generic`` takes the generic adaptor's
signed JSON.  Every accepted message is recorded; ``fail(n, status)`` makes the next
``n`` requests fail with that status (Twilio's JSON error body); ``status_callback``
signs and posts a delivery receipt the way Twilio would (to a live server, or through a
given client, e.g. the app in the test's own event loop).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from ballot.sms.signatures import generic_signature, generic_signed, twilio_signature

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fake-auth-token-" + "9" * 16
GENERIC_SECRET = "generic-shared-secret-for-tests"


@dataclass
class Sent:
    """One message the gateway accepted."""

    sid: str
    to: str
    sender: str
    body: str
    callback: str
    form: dict[str, str] = field(default_factory=dict)


class FakeGateway:
    """The gateway: ``url`` to point the adaptor at, ``messages`` it accepted."""

    def __init__(self, *, auth_token: str = AUTH_TOKEN, secret: str = GENERIC_SECRET) -> None:
        self.auth_token = auth_token
        self.secret = secret
        self.messages: list[Sent] = []
        self.requests = 0
        self.request_times: list[float] = []
        self._failures: list[int] = []
        self._lock = threading.Condition()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, answer = gateway._handle(self.path, dict(self.headers.items()), body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeGateway:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(self, times: int, status: int = 503) -> None:
        """The next ``times`` requests fail with HTTP ``status``."""
        with self._lock:
            self._failures.extend([status] * times)

    def _handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        with self._lock:
            self.requests += 1
            self.request_times.append(time.monotonic())
            if self._failures:
                status = self._failures.pop(0)
                return status, {"code": 20500 if status >= 500 else 21211, "message": "failing"}
        if path == "/generic":
            return self._generic(headers, body)
        parts = urlsplit(path).path.split("/")
        if parts[1:] != ["2010-04-01", "Accounts", ACCOUNT_SID, "Messages.json"]:
            return 404, {"code": 20404, "message": "not found"}
        expected = base64.b64encode(f"{ACCOUNT_SID}:{self.auth_token}".encode()).decode()
        if {k.lower(): v for k, v in headers.items()}.get("authorization") != f"Basic {expected}":
            return 401, {"code": 20003, "message": "Authenticate"}
        form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        sender = form.get("From") or form.get("MessagingServiceSid", "")
        if not form.get("To") or not form.get("Body") or not sender:
            return 400, {"code": 21604, "message": "A 'To' phone number is required."}
        sent = Sent(
            "SM" + secrets.token_hex(16),
            form["To"],
            sender,
            form["Body"],
            form.get("StatusCallback", ""),
            form,
        )
        self._record(sent)
        return 201, {"sid": sent.sid, "status": "queued", "to": sent.to, "body": sent.body}

    def _generic(self, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        low = {k.lower(): v for k, v in headers.items()}
        if not generic_signed(
            self.secret,
            low.get("x-ballot-timestamp"),
            body,
            low.get("x-ballot-signature"),
            time.time(),
        ):
            return 403, {"message": "bad signature"}
        data = json.loads(body)
        sent = Sent(
            "G" + secrets.token_hex(8),
            data["to"],
            data["from"],
            data["body"],
            data["status_callback"],
        )
        self._record(sent)
        return 202, {"id": sent.sid, "status": "accepted"}

    def _record(self, sent: Sent) -> None:
        with self._lock:
            self.messages.append(sent)
            self._lock.notify_all()

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Sent]:
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"only {len(self.messages)} of {count} text messages arrived")
            return list(self.messages)

    # Delivery receipts, as the gateway would post them.

    def twilio_receipt(
        self, sent: Sent, status: str, *, token: str | None = None
    ) -> tuple[str, dict[str, str], dict[str, str]]:
        """(url, form, headers) of Twilio's status callback for ``sent``, signed with
        ``token`` (default: the right auth token)."""
        form = {
            "MessageSid": sent.sid,
            "SmsSid": sent.sid,
            "AccountSid": ACCOUNT_SID,
            "MessageStatus": status,
            "To": sent.to,
            "From": sent.sender,
            "ApiVersion": "2010-04-01",
        }
        signature = twilio_signature(token or self.auth_token, sent.callback, form.items())
        return sent.callback, form, {"X-Twilio-Signature": signature}

    def generic_receipt(
        self, sent: Sent, status: str, *, secret: str | None = None, at: float | None = None
    ) -> tuple[str, bytes, dict[str, str]]:
        body = json.dumps({"id": sent.sid, "status": status}).encode()
        stamp = str(int(time.time() if at is None else at))
        signature = generic_signature(secret or self.secret, stamp, body)
        headers = {
            "Content-Type": "application/json",
            "X-Ballot-Timestamp": stamp,
            "X-Ballot-Signature": signature,
        }
        return sent.callback, body, headers

    async def status_callback(
        self, sent: Sent, status: str, client: httpx.AsyncClient | None = None
    ) -> httpx.Response:
        """Post Twilio's signed status callback for ``sent`` (through ``client`` if given)."""
        url, form, headers = self.twilio_receipt(sent, status)
        if client is not None:
            return await client.post(urlsplit(url).path, data=form, headers=headers)
        async with httpx.AsyncClient() as own:
            return await own.post(url, data=form, headers=headers)
