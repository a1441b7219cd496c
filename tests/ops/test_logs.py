"""Logs never carry a secret: unit checks of the redaction, then a real uvicorn server
driven through a sign-in, a voter link and a cast, whose whole log output (uvicorn's
access log included) is searched for every secret the run handled."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from ballot.config import Settings
from ballot.logs import REDACTED, JsonFormatter, RedactingFilter, configure_logging, redact
from ballot.migrations import upgrade
from ballot.web.app import create_app
from tests.support.accounts import PASSWORD, make_admin
from tests.support.elections import CastElection, open_by_api
from tests.support.live import free_port

TOKEN = "h_rd1MSLwHxdwx3A9_lLnNyp0GMttM_Ljqkd6q676xs"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f'"GET /v/{TOKEN}?lang=es HTTP/1.1"', TOKEN),
        (f"https://vote.example.org/v/{TOKEN}", TOKEN),
        ('{"email": "a@b.org", "password": "correct horse battery"}', "correct horse"),
        ("{'token': 'abc', 'x': 1}", "abc"),
        ("login failed: password=hunter2&email=a@b.org", "hunter2"),
        (f"Cookie: ballot_session={TOKEN}; csrftoken=abcdef", "abcdef"),
        ("session_key=0f1e2d3c", "0f1e2d3c"),
        ('{"token": "t0k", "ballot": {"format": "ballot/encrypted-ballot/v1", "x": 1}}', "t0k"),
        ('{"ballot": {"questions": [{"alpha": "aa"}]}}', "alpha"),
        ("board key " + "ab12" * 16, "ab12ab12"),
        (f"KeyError: '{TOKEN}'", TOKEN),
        ("letter code 7K3MQ-9XZ4R-0B1HT-VW5NP typed", "9XZ4R"),
    ],
)
def test_secrets_are_redacted(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out
    assert REDACTED in out


def test_ordinary_text_is_kept() -> None:
    text = "election e1a2b3c4d5e6f opened; 6 eligible; GET /board/e1a2b3c4d5e6f 200; /v/ resumed"
    assert redact(text) == text


def test_a_record_is_redacted_in_message_args_extras_and_traceback() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("ballot.test.redaction")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("token %s refused", TOKEN, extra={"voter_link": f"/v/{TOKEN}"})
        try:
            raise ValueError(f"bad token {TOKEN}")
        except ValueError:
            log.exception("cast failed")
    finally:
        log.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    events = [json.loads(line) for line in lines]
    assert events[0]["message"] == f"token {REDACTED} refused"
    assert events[0]["voter_link"] == f"/v/{REDACTED}"
    assert "ValueError" in events[1]["exception"]
    assert TOKEN not in stream.getvalue()


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    saved_loggers = {
        name: (list(logging.getLogger(name).handlers), logging.getLogger(name).propagate)
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "litestar", "ballot")
    }
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for h in root.handlers:
        h.filters[:] = [f for f in h.filters if not isinstance(f, RedactingFilter)]
    for name, (handlers, propagate) in saved_loggers.items():
        logging.getLogger(name).handlers[:] = handlers
        logging.getLogger(name).propagate = propagate


def _open_election(http: httpx.Client, definition: dict[str, Any], roll: str) -> CastElection:
    """Define, key and open an election over HTTP as a committee would."""
    headers = {"x-csrftoken": http.cookies["csrftoken"]}

    def post(path: str, **kw: Any) -> Any:
        r = http.post(path, headers=headers, **kw)
        assert r.status_code in (200, 201), (path, r.text)
        return r.json()

    return open_by_api(post, lambda path: http.get(path).json(), definition, roll)


def test_a_whole_voting_session_logs_no_secret(
    migrated_db_url: str,
    tmp_path: Path,
    captured_tokens: dict[int, str],
    restore_logging: None,
) -> None:
    from tests.support.elections import DEFINITION, ROLL

    port = free_port()
    settings = Settings(
        database_url=migrated_db_url,
        base_url=f"http://127.0.0.1:{port}",
        secret_key_file=tmp_path / "secret.key",
        cookie_secure=False,
        schedule_interval=0,
    )
    upgrade(settings.database_url)
    asyncio.run(make_admin(settings.database_url))
    app = create_app(settings, schedule=False)
    output = io.StringIO()
    configure_logging("INFO", "json", stream=output)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.05)
    secrets: list[str] = [PASSWORD, "a wrong password!"]
    try:
        with httpx.Client(base_url=settings.base_url, timeout=30) as http:
            http.get("/login")
            csrf = http.cookies["csrftoken"]
            r = http.post(
                "/login",
                data={"email": "admin@example.org", "password": secrets[1], "_csrf_token": csrf},
            )
            assert r.status_code == 401
            r = http.post(
                "/api/login",
                json={"email": "admin@example.org", "password": PASSWORD},
                headers={"x-csrftoken": csrf},
            )
            assert r.status_code == 200
            secrets += [http.cookies["ballot_session"], http.cookies["csrftoken"]]
            election = _open_election(http, DEFINITION, ROLL)
            secrets += list(captured_tokens.values())
            token = next(iter(captured_tokens.values()))
        with httpx.Client(base_url=settings.base_url, timeout=30) as voter:
            assert voter.get(f"/v/{token}").status_code == 200
            assert voter.get(f"/v/{token}?lang=es").status_code == 200
            ballot = election.ballot_json(0)
            r = voter.post("/api/cast", json={"token": token, "ballot": ballot})
            assert r.status_code == 201, r.text
            assert voter.get(f"/v/{token}").status_code == 200  # "you have voted"
            secrets.append(ballot["questions"][0]["slots"][0]["alpha"])
            logging.getLogger("ballot.test").warning("a careless line: token=%s", token)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    text = output.getvalue()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    access = [e for e in lines if e.get("event") == "http.request"]
    assert any(e["path"] == f"/v/{REDACTED}" for e in access), access
    assert any(e["path"] == "/api/cast" and e["status"] == 201 for e in access)
    assert any(e["path"] == "/api/login" for e in access)
    for secret in filter(None, secrets):
        assert secret not in text, f"a secret reached the log: {secret[:6]}..."
