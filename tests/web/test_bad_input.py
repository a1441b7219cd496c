"""Bad input is a 4xx with a clear message and changes nothing (issue 11, item 5).

Each case used to be a 500 with a traceback in the log: JSON nested a thousand deep
(the decoders recurse), a NUL in an e-mail or a path id (PostgreSQL refuses U+0000), a
NUL in a static file name, a board page past the 32-bit column, and a definition whose
``trustees`` is a list.  Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging

import pytest
from litestar import Litestar

from ballot.election.definition_shape import shape_problems
from ballot.web.validation import MAX_DEPTH, InputRefused, check_body

from .helpers import Web, definition

DEEP = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000

JSON_ROUTES = (
    "/api/cast",
    "/api/login",
    "/api/elections",
    "/api/accounts",
    "/api/audited-ballots",
)


@pytest.mark.parametrize("path", JSON_ROUTES)
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
async def test_deep_json_is_refused_before_decoding(admin: Web, path: str, body: str) -> None:
    for content_type in ("application/json", "text/plain"):
        r = await admin.post(path, content=body, headers={"content-type": content_type})
        assert r.status_code == 400, (path, r.status_code, r.text[:200])
        assert f"deeper than {MAX_DEPTH}" in r.json()["error"]
    assert (await admin.get("/api/elections")).json() == []


async def test_nul_in_a_login_email_is_refused(app: Litestar, web: Web) -> None:
    r = await web.login("admin\u0000@example.org", "whatever password")
    assert r.status_code == 400 and "NUL" in r.json()["error"]
    form = {"email": "a\x00@example.org", "password": "x", "_csrf_token": await web.csrf()}
    r = await web.client.post("/login", data=form)
    assert r.status_code == 400 and "NUL" in r.text


@pytest.mark.parametrize(
    "path",
    [
        "/api/elections/%00/public",
        "/api/elections/%00/board/entries",
        "/board/%00",
        "/v/%00",
        "/static/ballot.css%00.js",
        "/api/elections/e%01x/public",
    ],
)
async def test_control_characters_in_paths_are_refused(web: Web, path: str) -> None:
    r = await web.get(path)
    assert r.status_code == 400, (path, r.status_code, r.text[:200])
    assert "control character" in r.text


async def test_nul_in_a_query_string_is_refused(web: Web) -> None:
    r = await web.get("/audit?election=%00")
    assert r.status_code == 400 and "NUL" in r.text


@pytest.mark.parametrize("after", ["2147483648", "9223372036854775808", "-2", "99" * 20])
async def test_board_positions_beyond_the_column_are_refused(
    admin: Web, web: Web, after: str
) -> None:
    election_id = (await admin.post("/api/elections", json=definition())).json()["id"]
    for path in (
        f"/board/{election_id}",
        f"/api/elections/{election_id}/board/entries",
        f"/api/elections/{election_id}/trackers",
    ):
        r = await web.get(path, params={"after": after})
        assert r.status_code == 400, (path, r.status_code, r.text[:200])
        assert "after" in r.text
    r = await web.get(f"/api/elections/{election_id}/trackers", params={"limit": 10**6})
    assert r.status_code == 400
    assert (await web.get(f"/board/{election_id}", params={"after": 2**31 - 1})).status_code == 200


@pytest.mark.parametrize(
    "overrides",
    [
        {"trustees": [1, 2]},
        {"trustees": "3 of 5"},
        {"questions": {"text": "x"}},
        {"questions": ["Do you want the union?"]},
        {"questions": [{"text": {"en": "Q"}, "options": "Yes,No"}]},
        {"title": ["Recognition"]},
        {"subtotals": [1]},
    ],
)
async def test_definitions_of_the_wrong_shape_are_refused(
    admin: Web, overrides: dict[str, object]
) -> None:
    r = await admin.post("/api/elections", json=definition(**overrides))
    assert r.status_code == 400, r.text
    field = next(iter(overrides))
    assert "definition has problems" in r.json()["error"] and field.rstrip("s") in r.text
    assert (await admin.get("/api/elections")).json() == []


async def test_an_unexpected_error_is_one_log_line_with_a_request_id(
    admin: Web, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ballot.web import board_pages

    def broken(*_: object) -> object:
        raise RuntimeError("boom")

    election_id = (await admin.post("/api/elections", json=definition())).json()["id"]
    monkeypatch.setattr(board_pages, "tracker_prefix", broken)
    with caplog.at_level(logging.ERROR):
        r = await admin.get(f"/api/elections/{election_id}/trackers/ABCD")
    assert r.status_code == 500
    request_id = r.json()["request_id"]
    errors = [rec for rec in caplog.records if rec.levelno >= logging.ERROR]
    assert len(errors) == 1 and request_id in errors[0].getMessage()
    assert errors[0].exc_info is None


def test_the_body_check_ignores_brackets_in_strings_and_csv() -> None:
    check_body(b'{"a": "' + b"[" * 500 + b'", "b": [1, {"c": "\\"]]]"}]}', "application/json")
    check_body(b"member_id,name\nM1,Ana [North\n" + b"[" * 10, "")
    check_body(b"[]" * 10_000, "application/json")
    with pytest.raises(InputRefused, match="deeper than"):
        check_body(b"[" * 10_000, "text/plain")


def test_shape_problems_name_the_field() -> None:
    assert shape_problems(definition()) == []
    assert shape_problems([]) == ["the definition must be a JSON object, not a list"]
    assert shape_problems(definition(trustees=[1])) == ["trustees: must be an object, not a list"]


async def test_a_huge_login_email_is_a_plain_failure(app: Litestar, web: Web) -> None:
    r = await web.login("a" * 5000 + "@example.org", "whatever password")
    assert r.status_code == 401 and r.json()["reason"] == "bad_credentials"
