"""Fuzz the JSON API from its own OpenAPI schema: no input may make the server fail (5xx),
and the public board must still verify afterwards.

Schemathesis generates requests for every operation in ``/api/schema/openapi.json`` and
sends them, in-process, to the ASGI app, as a signed-in committee admin (with the CSRF
header), while an election with a real key ceremony is open and has cast ballots.  Path
parameters naming an election are pinned to it (or, one time in three, to a draft
election, whose definition and roll may still change) so the generated bodies reach the
domain code instead of stopping at "no such election".  The rate limits are off
here (they would only turn the fuzz into 429s); tests/ops/test_ratelimit.py covers them.
At least 5,000 requests per engine; runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hypothesis_settings
from schemathesis.python import asgi

from ballot.config import Settings
from ballot.migrations import upgrade
from ballot.record.board import BoardEntry
from ballot.record.signing import SignedHead, verify_head_against_board, verify_head_sequence
from ballot.web.app import create_app
from tests.support.accounts import make_admin
from tests.support.elections import open_by_api

EXAMPLES = 125  #: generated requests per operation (about 50 operations; some exhaust sooner)
BUDGET = 300.0  #: seconds per engine; later operations get fewer examples if the machine is slow
MINIMUM = 5000  #: requests per engine, at the least
#: Signing out would turn the rest of the run into 401s; it is covered by tests/web.
SKIP = {("POST", "/api/logout")}


def _setup(client: Any, captured: dict[int, str]) -> tuple[str, str]:
    """Sign in; an open election with three cast ballots, and a draft one; their ids."""
    from tests.support.elections import DEFINITION, ROLL

    client.get("/login")
    client.headers["x-csrftoken"] = client.cookies["csrftoken"]
    r = client.post(
        "/api/login", json={"email": "admin@example.org", "password": "correct horse battery"}
    )
    assert r.status_code == 200, r.text
    client.headers["x-csrftoken"] = client.cookies["csrftoken"]  # bound to the new session

    def post(path: str, content: bytes | None = None, **kw: Any) -> Any:
        r = client.post(path, data=content, **kw)  # a requests session: raw bodies as data=
        assert r.status_code in (200, 201), (path, r.text)
        return r.json()

    election = open_by_api(post, lambda path: client.get(path).json(), DEFINITION, ROLL)
    tokens = list(captured.values())
    for token, choice in zip(tokens[:3], (0, 1, 0), strict=True):
        r = client.post("/api/cast", json={"token": token, "ballot": election.ballot_json(choice)})
        assert r.status_code == 201, r.text
    draft_id = post("/api/elections", json=DEFINITION)["id"]
    post(f"/api/elections/{draft_id}/roll", content=ROLL.encode())
    return election.id, draft_id


def _board_verifies(client: Any, election_id: str) -> int:
    board = client.get(f"/api/elections/{election_id}/board").json()
    entries = [BoardEntry.from_json(e) for e in board["entries"]]
    heads = [SignedHead.from_json(h) for h in board["heads"]]
    verify_head_sequence(heads, board["board_key"])
    verify_head_against_board(heads[-1], entries, board["board_key"])
    return len(entries)


@pytest.mark.slow
def test_generated_requests_never_fail_the_server(
    migrated_db_url: str, tmp_path: Path, captured_tokens: dict[int, str]
) -> None:
    settings = Settings(
        database_url=migrated_db_url,
        base_url="http://testserver",
        secret_key_file=tmp_path / "secret.key",
        cookie_secure=False,
        schedule_interval=0,
        token_rate=0,
        login_rate=0,
        hsts=True,
    )
    upgrade(settings.database_url)
    asyncio.run(make_admin(settings.database_url))
    app = create_app(settings, schedule=False)
    schema = schemathesis.openapi.from_asgi("/api/schema/openapi.json", app)
    client = asgi.get_client(app)
    election_id, draft_id = _setup(client, captured_tokens)
    entries_before = _board_verifies(client, election_id)

    failures: list[str] = []
    statuses: Counter[str] = Counter()
    sent = 0
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    for index, operation in enumerate(operations):
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        left = BUDGET - (time.monotonic() - started)
        remaining = len(operations) - index
        examples = max(3, min(EXAMPLES, int(left / remaining / 0.02)))

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=examples,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @seed(index)
        def run(case: Any) -> None:
            nonlocal sent
            if case.path_parameters:
                if "election_id" in case.path_parameters:
                    pinned = election_id if sent % 3 else draft_id
                    case.path_parameters["election_id"] = pinned
                if "member_id" in case.path_parameters and sent % 2 == 0:
                    case.path_parameters["member_id"] = "K004"
            response = case.call(session=client)
            sent += 1
            statuses[f"{case.method} {case.operation.path} {response.status_code}"] += 1
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: "
                    f"{case.body!r:.200}"
                )

        run()
    print("\n".join(f"{n:5d} {k}" for k, n in sorted(statuses.items())))
    print(f"{sent} requests in {time.monotonic() - started:.1f} s")
    assert failures == [], "\n".join(failures[:20])
    assert sent >= MINIMUM
    # Whatever the fuzz did (it may have closed the vote), the board still verifies
    # and kept every entry it had.
    assert _board_verifies(client, election_id) >= entries_before
