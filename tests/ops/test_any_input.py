"""Any JSON, of any depth and any Unicode (NUL included), to every JSON route of the
OpenAPI schema, with any text in every path parameter: never a 5xx (issue 11).

Schemathesis (test_schemathesis.py) generates *schema-shaped* requests; this test sends
what the schema does not foresee: documents nested thousands deep (the decoders
recurse), NUL and control characters (PostgreSQL refuses U+0000), lone surrogates,
huge numbers, and path ids with slashes, dots and percent signs.  It runs as a signed-in
admin with the CSRF header, with one draft election whose id is used half the time so
the bodies reach the domain code.  Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, seed
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.python import asgi

from ballot.config import Settings
from ballot.migrations import upgrade
from ballot.web.app import create_app
from tests.support.accounts import make_admin

EXAMPLES = 1000  #: per engine
#: Signing out would turn the rest of the run into 401s.
SKIP = {("POST", "/api/logout")}

_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")

any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    any_text,
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(any_text, inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def deep(draw: Any) -> str:
    """A document wrapped in many arrays and objects (JSON text, built without recursion)."""
    depth = draw(st.integers(min_value=0, max_value=3000))
    core = json.dumps(draw(documents))
    if draw(st.booleans()):
        return "[" * depth + core + "]" * depth
    return '{"a":' * depth + core + "}" * depth


def _body(draw: Any) -> bytes:
    choice = draw(st.integers(min_value=0, max_value=3))
    if choice == 0:
        return draw(deep()).encode()
    document = draw(documents)
    text = json.dumps(document, ensure_ascii=draw(st.booleans()))
    return text.encode("utf-8", "surrogatepass")


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, bool]]:
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method.upper() not in {"GET", "POST", "PUT", "DELETE", "PATCH"}:
                continue
            if (method.upper(), path) in SKIP:
                continue
            found.append((method.upper(), path, "requestBody" in operation))
    return found


@pytest.mark.slow
def test_any_json_and_any_path_text_never_fail_the_server(db_url: str, tmp_path: Path) -> None:
    settings = Settings(
        database_url=db_url,
        base_url="http://testserver",
        secret_key_file=tmp_path / "secret.key",
        cookie_secure=False,
        schedule_interval=0,
        token_rate=0,
        login_rate=0,
    )
    upgrade(settings.database_url)
    asyncio.run(make_admin(settings.database_url))
    app = create_app(settings, schedule=False)
    client = asgi.get_client(app)
    client.get("/login")
    r = client.post(
        "/api/login",
        json={"email": "admin@example.org", "password": "correct horse battery"},
        headers={"x-csrftoken": client.cookies["csrftoken"]},
    )
    assert r.status_code == 200, r.text
    client.headers["x-csrftoken"] = client.cookies["csrftoken"]
    from tests.support.elections import DEFINITION

    election_id = client.post("/api/elections", json=DEFINITION).json()["id"]
    operations = _operations(client.get("/api/schema/openapi.json").json())
    json_routes = [op for op in operations if op[2]]
    assert len(operations) > 30 and len(json_routes) > 15
    failures: list[str] = []
    statuses: Counter[int] = Counter()

    @given(data=st.data())
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @seed(11)
    def run(data: Any) -> None:
        method, template, has_body = data.draw(st.sampled_from(operations))
        if data.draw(st.booleans()):  # a JSON route with any body
            method, template, has_body = data.draw(st.sampled_from(json_routes))

        def value(match: re.Match[str]) -> str:
            if match.group(1) == "election_id" and data.draw(st.booleans()):
                return str(election_id)
            return quote(data.draw(any_text).encode("utf-8", "surrogatepass"), safe="")

        path = _PARAM.sub(value, template)
        kwargs: dict[str, Any] = {}
        if has_body or data.draw(st.booleans()):
            kwargs["data"] = _body(data.draw)
            kwargs["headers"] = {"content-type": "application/json"}
        response = client.request(method, path, **kwargs)
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            failures.append(f"{method} {path} -> {response.status_code}: {response.text[:200]}")

    run()
    print(sorted(statuses.items()))
    assert failures == [], "\n".join(failures[:20])
    assert sum(statuses.values()) >= EXAMPLES
