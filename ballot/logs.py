"""Structured logs (one JSON object per line) that never carry a secret.

The project rule is that no token, password, key, session id or ballot content is ever
logged.  Code is written not to, but logs also carry text we do not control: the
request line in uvicorn's access log (``GET /v/<token>``), exception messages, library
warnings.  So every record passes :class:`RedactingFilter` on the one handler, which
rewrites anything *shaped* like a secret before it is formatted:

* the path segment after ``/v/`` (the voting link's token) -> ``/v/[redacted]``;
* ``name=value`` pairs and JSON fields whose name says secret (token, password,
  passphrase, secret, key, session, csrf, cookie, authorization, totp, code) and the
  bodies of ballots, audits and partial decryptions;
* a printed letter's code (four groups of five letters and digits);
* any run of 32 or more base64url/hex characters mixing letters and digits (voter
  tokens and session ids are 43 characters, keys 64): hashes and trackers are public,
  but they are not worth the risk of guessing wrong, and an operator never needs them
  from a log line.

:func:`configure_logging` installs the handler on the root logger and routes uvicorn's
own loggers (``uvicorn.error``, ``uvicorn.access``) and Litestar's through it, so one
format and one redaction cover everything the web and worker processes print.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import IO, Any

REDACTED = "[redacted]"
#: Names of secrets (not secrets).
_SECRET_NAMES = "|".join(
    (
        r"token|csrftoken|x-csrftoken|csrf|password|passphrases?|secret|session(?:_id|_key)?",
        r"ballot_session|api[_-]?key|key|private[_-]?key|totp|code|cookie|set-cookie|authorization",
    )
)
_BODY_NAMES = r"ballot|audit|partials|shares?|trustee_keys|selections|choices"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # The voting link: /v/<token> (also inside full URLs and quoted paths).
    (re.compile(r"/v/[^/?#\s\"'<>]+"), "/v/" + REDACTED),
    # JSON bodies of ballots etc.: drop the value and everything after it on the line.
    (
        re.compile(r"(\"(?:" + _BODY_NAMES + r")\"\s*:\s*)[\[{].*", re.IGNORECASE),
        r'\1"' + REDACTED + '"',
    ),
    # JSON string fields with a secret name.
    (
        re.compile(r"(\"(?:" + _SECRET_NAMES + r")\"\s*:\s*)\"(?:[^\"\\]|\\.)*\"", re.IGNORECASE),
        r'\1"' + REDACTED + '"',
    ),
    # Python reprs of dicts: 'token': '...'
    (
        re.compile(r"('(?:" + _SECRET_NAMES + r")'\s*:\s*)'(?:[^'\\]|\\.)*'", re.IGNORECASE),
        r"\1'" + REDACTED + "'",
    ),
    # Headers: "Cookie: ...", "Authorization: Bearer ..."
    (
        re.compile(
            r"\b(cookie|set-cookie|authorization|x-csrftoken)(\s*:\s*)[^\r\n]*", re.IGNORECASE
        ),
        r"\1\2" + REDACTED,
    ),
    # name=value pairs in query strings, cookies, form bodies, log text.
    (
        re.compile(r"\b(" + _SECRET_NAMES + r")=([^&\s;,\"']+)", re.IGNORECASE),
        r"\1=" + REDACTED,
    ),
    # A printed letter's code (four groups of five; an alias has two, a tracker groups of 4).
    (re.compile(r"\b[0-9A-Za-z]{5}(?:-[0-9A-Za-z]{5}){3}\b"), REDACTED),
    # Anything long and random-looking (voter tokens, session ids, keys).
    (
        re.compile(
            r"(?<![A-Za-z0-9_\-])(?=[A-Za-z0-9_\-]*[0-9])(?=[A-Za-z0-9_\-]*[A-Za-z])[A-Za-z0-9_\-]{32,}"
        ),
        REDACTED,
    ),
)


def redact(text: str) -> str:
    """``text`` with everything shaped like a secret replaced by ``[redacted]``."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bytes):
        return redact(value.decode("utf-8", "replace"))
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact(str(value))


#: Attributes every LogRecord has; anything else was passed with ``extra=``.
#: (``color_message`` is uvicorn's ANSI-coloured copy of the format string: noise.)
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",
}
_ACCESS_LOGGER = "uvicorn.access"


class RedactingFilter(logging.Filter):
    """Rewrites a record in place so that no later handler or formatter sees a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == _ACCESS_LOGGER and isinstance(record.args, tuple):
            # uvicorn: '%s - "%s %s HTTP/%s" %d' % (client, method, path, version, status)
            record.args = tuple(_redact_value(a) for a in record.args)
        else:
            try:
                message = record.getMessage()
            except Exception:  # a bad format string: keep the raw text
                message = str(record.msg)
            record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.exc_info = None  # the redacted exc_text is what gets printed
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD:
                setattr(record, name, _redact_value(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the access fields."""

    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        if (
            record.name == _ACCESS_LOGGER
            and isinstance(record.args, tuple)
            and len(record.args) == 5
        ):
            client, method, path, version, status = record.args
            event.update(
                event="http.request",
                client=client,
                method=method,
                path=path,
                http=version,
                status=status,
            )
        else:
            event["message"] = record.getMessage()
        for name, value in vars(record).items():
            if name not in _STANDARD and name not in event:
                event[name] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_text:
            event["exception"] = record.exc_text
        if record.stack_info:
            event["stack"] = record.stack_info
        return json.dumps(event, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Human-readable lines for a terminal (``BALLOT_LOG_FORMAT=text``); still redacted."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")


_HANDLER_MARK = "_ballot_handler"
_ROUTED = ("uvicorn", "uvicorn.error", "uvicorn.access", "litestar", "ballot")


def make_handler(stream: IO[str] | None = None, fmt: str = "json") -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    setattr(handler, _HANDLER_MARK, True)
    return handler


def _is_ours(handler: logging.Handler) -> bool:
    return getattr(handler, _HANDLER_MARK, False) or isinstance(
        handler.formatter, JsonFormatter | TextFormatter
    )


def configure_logging(
    level: str = "INFO", fmt: str = "json", stream: IO[str] | None = None
) -> logging.Handler:
    """Send every log record (ours, uvicorn's, Litestar's) through one redacting handler.

    Idempotent: a second call replaces the handler the first one installed.  Returns the
    handler (tests read what it wrote).
    """
    root = logging.getLogger()
    # Ours from an earlier call, or the same one installed by a log-config file
    # (deploy/uvicorn-logging.json): replaced, so no line is printed twice.
    for old in [h for h in root.handlers if _is_ours(h)]:
        root.removeHandler(old)
    # Other root handlers (e.g. the test runner's capture) are kept but get the filter
    # too, so nothing reaches them unredacted.
    for other in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in other.filters):
            other.addFilter(RedactingFilter())
    handler = make_handler(stream, fmt)
    root.addHandler(handler)
    root.setLevel(level)
    for name in _ROUTED:
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            logger.removeHandler(old)
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
    return handler


def uvicorn_log_config(level: str = "INFO", fmt: str = "json") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for ``uvicorn.run(log_config=...)`` with the same handler."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": RedactingFilter}},
        "formatters": {
            "json": {"()": JsonFormatter},
            "text": {"()": TextFormatter},
        },
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "filters": ["redact"],
                "formatter": fmt if fmt in ("json", "text") else "json",
            }
        },
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            name: {"handlers": [], "propagate": True, "level": "NOTSET"} for name in _ROUTED
        },
    }
