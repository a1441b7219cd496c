"""Settings from environment variables, all prefixed ``BALLOT_``.

| variable | default | meaning |
| --- | --- | --- |
| BALLOT_DATABASE_URL | sqlite+aiosqlite:///ballot.sqlite3 | SQLAlchemy async URL (postgresql+asyncpg://... in production) |
| BALLOT_BASE_URL | http://127.0.0.1:8000 | public address used in voting links |
| BALLOT_SECRET_KEY_FILE | ballot-secret.key | file with the server's secrets (session key, Ed25519 board key); created on first use |
| BALLOT_SMTP_HOST / _PORT | 127.0.0.1 / 25 | mail relay |
| BALLOT_SMTP_USER / _PASSWORD | (none) | SMTP authentication, if any |
| BALLOT_SMTP_TLS | none | none, starttls or tls |
| BALLOT_MAIL_FROM | ballot@localhost | sender address |
| BALLOT_MAIL_RATE | 50 | most messages per second the worker sends |
| BALLOT_BOUNCE_ADDRESS | (none) | where bounces go, e.g. `bounces@mail.example.org`: each e-mail's envelope sender becomes `bounces+<reference>@mail.example.org` (VERP), so a bounce names its message; empty: the MAIL_FROM address, and bounces are read by Message-ID only |
| BALLOT_MAIL_DSN_SUCCESS | false | ask relays that offer DSN (RFC 3461) for a report on delivery too, not only on failure and delay (one more message per member into the bounce mailbox) |
| BALLOT_MAIL_EVENTS | none | `none` or `mailgun`: whose signed delivery events `POST /mail/events/mailgun` takes |
| BALLOT_MAILGUN_SIGNING_KEY | (none) | Mailgun's HTTP webhook signing key (it signs the events) |
| BALLOT_COOKIE_SECURE | true | send session cookies only over HTTPS (the demo turns this off) |
| BALLOT_SCHEDULE_INTERVAL | 15 | seconds between checks that open and close votes on time (0: off) |
| BALLOT_HOST / BALLOT_PORT | 127.0.0.1 / 8000 | where `ballot serve` listens |
| BALLOT_TOKEN_RATE | 300 | most voter-token requests (GET /v/<token>, casts, audits) per client address per window (0: no limit) |
| BALLOT_LOGIN_RATE | 20 | most sign-in attempts per client address per window (0: no limit) |
| BALLOT_RATE_WINDOW | 60 | length in seconds of the sliding window both limits count in |
| BALLOT_HSTS | true | send Strict-Transport-Security (turn off only for plain-HTTP demos) |
| BALLOT_LOG_FORMAT / BALLOT_LOG_LEVEL | json / INFO | `json` (one object per line) or `text`; the level of the root logger |
| BALLOT_PHONE_REGION | US | region a roll's phone number without +country code is read in (ISO 3166 code: US, CA, KR...) |
| BALLOT_SMS_GATEWAY | none | `none`, `twilio` or `generic`: how text messages go out (none: they wait in the outbox) |
| BALLOT_SMS_FROM | (none) | the sending number (E.164) or, for Twilio, a Messaging Service SID (MG...) |
| BALLOT_SMS_RATE | 1 | most text messages per second the worker sends (the gateway's limit for the number) |
| BALLOT_TWILIO_ACCOUNT_SID / _AUTH_TOKEN | (none) | Twilio's account and its auth token (HTTP basic auth; it also signs receipts) |
| BALLOT_TWILIO_API_URL | https://api.twilio.com | Twilio's API address (tests point it at a local fake) |
| BALLOT_SMS_GENERIC_URL / _SECRET | (none) | the generic gateway's address and the shared secret that signs both directions |
| BALLOT_SETUP_CHECKLIST | true | refuse to mark an election ready or open it until its set-up checklist is complete (rehearsals, test message, notice...); the test suite turns it off for tests that are not about the checklist |
| BALLOT_ARGON2_PROFILE | production | Argon2id cost of new password hashes and key files: `production`, or `test` (cheap; for the test suite only) |

The Argon2 profile is not a field of :class:`Settings`: it is read when a password is
hashed or a key file sealed (the trustee tool has no Settings), by
:func:`ballot.crypto.argon2_cost.argon2_profile`;
deployments never set it.
Each hash and key file records its own parameters, so whatever was made under the
test profile still verifies and opens under production settings.

The rate limits are counted in each server process: with N uvicorn workers a client
can reach N times the limit, which is why nginx enforces the global limit in front
(see deploy/nginx-ballot.conf).  Generous defaults are deliberate: a whole warehouse
may vote from behind one NAT address.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from ballot.crypto.argon2_cost import ARGON2_PROFILES as ARGON2_PROFILES
from ballot.crypto.argon2_cost import argon2_profile as argon2_profile

PREFIX = "BALLOT_"


def _env(name: str, default: str) -> str:
    return os.environ.get(PREFIX + name, default)


def _bool(text: str) -> bool:
    return text.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite+aiosqlite:///ballot.sqlite3"
    base_url: str = "http://127.0.0.1:8000"
    secret_key_file: Path = field(default_factory=lambda: Path("ballot-secret.key"))
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_tls: str = "none"
    mail_from: str = "ballot@localhost"
    mail_rate: float = 50.0
    bounce_address: str = ""
    mail_dsn_success: bool = False
    mail_events: str = "none"
    mailgun_signing_key: str = field(default="", repr=False)
    cookie_secure: bool = True
    schedule_interval: float = 15.0
    host: str = "127.0.0.1"
    port: int = 8000
    token_rate: int = 300
    login_rate: int = 20
    rate_window: float = 60.0
    hsts: bool = True
    log_format: str = "json"
    log_level: str = "INFO"
    phone_region: str = "US"
    sms_gateway: str = "none"
    sms_from: str = ""
    sms_rate: float = 1.0
    twilio_account_sid: str = ""
    twilio_auth_token: str = field(default="", repr=False)
    twilio_api_url: str = "https://api.twilio.com"
    sms_generic_url: str = ""
    sms_generic_secret: str = field(default="", repr=False)
    #: Read from the environment even when Settings() is built directly, so a test run can
    #: turn it off for every server it starts (tests/support/plugin.py); on everywhere else.
    setup_checklist: bool = field(default_factory=lambda: _bool(_env("SETUP_CHECKLIST", "true")))

    @classmethod
    def from_env(cls) -> Settings:
        d = cls()
        return cls(
            database_url=_env("DATABASE_URL", d.database_url),
            base_url=_env("BASE_URL", d.base_url).rstrip("/"),
            secret_key_file=Path(_env("SECRET_KEY_FILE", str(d.secret_key_file))),
            smtp_host=_env("SMTP_HOST", d.smtp_host),
            smtp_port=int(_env("SMTP_PORT", str(d.smtp_port))),
            smtp_user=os.environ.get(PREFIX + "SMTP_USER") or None,
            smtp_password=os.environ.get(PREFIX + "SMTP_PASSWORD") or None,
            smtp_tls=_env("SMTP_TLS", d.smtp_tls),
            mail_from=_env("MAIL_FROM", d.mail_from),
            mail_rate=float(_env("MAIL_RATE", str(d.mail_rate))),
            bounce_address=_env("BOUNCE_ADDRESS", "").strip(),
            mail_dsn_success=_bool(_env("MAIL_DSN_SUCCESS", "false")),
            mail_events=_env("MAIL_EVENTS", d.mail_events).strip().lower(),
            mailgun_signing_key=_env("MAILGUN_SIGNING_KEY", "").strip(),
            cookie_secure=_bool(_env("COOKIE_SECURE", "true")),
            schedule_interval=float(_env("SCHEDULE_INTERVAL", str(d.schedule_interval))),
            host=_env("HOST", d.host),
            port=int(_env("PORT", str(d.port))),
            token_rate=int(_env("TOKEN_RATE", str(d.token_rate))),
            login_rate=int(_env("LOGIN_RATE", str(d.login_rate))),
            rate_window=float(_env("RATE_WINDOW", str(d.rate_window))),
            hsts=_bool(_env("HSTS", "true")),
            log_format=_env("LOG_FORMAT", d.log_format).strip().lower(),
            log_level=_env("LOG_LEVEL", d.log_level).strip().upper(),
            phone_region=_env("PHONE_REGION", d.phone_region).strip().upper(),
            sms_gateway=_env("SMS_GATEWAY", d.sms_gateway).strip().lower(),
            sms_from=_env("SMS_FROM", d.sms_from).strip(),
            sms_rate=float(_env("SMS_RATE", str(d.sms_rate))),
            twilio_account_sid=_env("TWILIO_ACCOUNT_SID", "").strip(),
            twilio_auth_token=_env("TWILIO_AUTH_TOKEN", "").strip(),
            twilio_api_url=_env("TWILIO_API_URL", d.twilio_api_url).strip().rstrip("/"),
            sms_generic_url=_env("SMS_GENERIC_URL", "").strip(),
            sms_generic_secret=_env("SMS_GENERIC_SECRET", "").strip(),
            setup_checklist=_bool(_env("SETUP_CHECKLIST", "true")),
        )

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]
