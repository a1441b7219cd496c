"""Each role against each endpoint, driven by the app's own route list.

``EXPECTED`` names the access level of every (method, path) the app serves; a new
endpoint fails ``test_every_route_is_in_the_table`` until someone decides who may
call it.  The behaviour test then calls every route as every role and checks that
the guard lets through exactly the roles the level allows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from ballot.web.auth import LEVELS

from .conftest import client_for
from .helpers import Web, create_draft, make_account

E = "/api/elections/{election_id:str}"
C = "/committee/elections/{election_id:str}"
EXPECTED: dict[tuple[str, str], str] = {
    ("POST", "/api/login"): "public",
    ("POST", "/api/logout"): "signed_in",
    ("GET", "/api/me"): "signed_in",
    ("POST", "/api/account/totp"): "signed_in",
    ("POST", "/api/account/totp/confirm"): "signed_in",
    ("POST", "/api/accounts"): "admin",
    ("GET", "/api/elections"): "staff",
    ("POST", "/api/elections"): "admin",
    ("GET", E): "election",
    ("PUT", E): "admin",
    ("PUT", E + "/translations/{language:str}"): "admin",
    ("POST", E + "/state"): "admin",
    ("POST", E + "/trustees"): "admin",
    ("GET", E + "/ceremony"): "election",
    ("POST", E + "/ceremony/local"): "admin",
    ("POST", E + "/ceremony/trustee"): "trustee",
    ("POST", E + "/ceremony/transcript"): "admin",
    ("GET", E + "/ceremony/remote"): "election",
    ("POST", E + "/ceremony/remote/rounds/{round_name:str}"): "trustee",
    ("POST", E + "/ceremony/remote/settle"): "admin",
    ("POST", E + "/roll"): "admin",
    ("GET", E + "/roll"): "names",
    ("DELETE", E + "/roll/{member_id:str}"): "admin",
    ("PUT", E + "/roll/{member_id:str}"): "admin",
    ("POST", E + "/roll/late"): "admin",
    ("POST", E + "/voters/{member_id:str}/reissue"): "admin",
    ("POST", E + "/voters/{member_id:str}/revoke"): "admin",
    ("POST", E + "/reminders"): "admin",
    ("GET", E + "/turnout"): "staff",
    ("GET", E + "/mail"): "staff",
    ("GET", E + "/board"): "public",
    ("GET", "/api/audit"): "staff",
    ("GET", "/"): "public",
    ("GET", "/login"): "public",
    ("POST", "/login"): "public",
    ("POST", "/logout"): "signed_in",
    ("GET", "/committee"): "staff",
    ("GET", "/committee/audit"): "staff",
    ("GET", "/committee/elections/new"): "admin",
    ("POST", "/committee/elections/new"): "admin",
    ("GET", C): "staff",
    ("POST", C + "/state"): "admin",
    # Issue 13: each irreversible step's own confirmation page.
    ("GET", C + "/confirm/{step:str}"): "admin",
    ("POST", C + "/roll"): "admin",
    ("POST", C + "/reminders"): "admin",
    # Set-up pages (H11): texts in every language, trustees, the key ceremony.
    ("GET", C + "/translations"): "staff",
    ("POST", C + "/translations/{language:str}"): "admin",
    # Issue 13: the definition editor, the ballot preview, sign-off of each language
    # (observers of each side sign off translations too).
    ("GET", C + "/definition"): "admin",
    ("POST", C + "/definition"): "admin",
    ("GET", C + "/preview"): "staff",
    ("POST", C + "/translations/{language:str}/sign-off"): "staff",
    ("GET", C + "/ceremony"): "admin",
    ("POST", C + "/ceremony/trustees"): "admin",
    ("POST", C + "/ceremony/seats"): "admin",
    ("POST", C + "/ceremony/local"): "admin",
    # Issue 13: the set-up checklist (JSON for staff; trustees rehearse; admins act).
    ("GET", E + "/checklist"): "staff",
    ("POST", E + "/rehearsals/challenge"): "trustee",
    ("POST", E + "/rehearsals"): "trustee",
    ("POST", E + "/test-message"): "admin",
    ("POST", E + "/test-message/arrived"): "admin",
    ("POST", E + "/notice"): "admin",
    ("GET", C + "/test-message"): "admin",
    ("POST", C + "/test-message"): "admin",
    ("POST", C + "/test-message/arrived"): "admin",
    ("GET", C + "/invitation-preview"): "staff",
    ("GET", C + "/notice"): "admin",
    ("POST", C + "/notice"): "admin",
    ("GET", C + "/rehearsals"): "staff",
    ("GET", "/v/{token:str}"): "public",
    ("GET", "/static/{file_path:path}"): "public",
    # Casting path and public board (H9): the voter token, not a session, authorises a cast.
    ("GET", "/v"): "public",
    ("POST", "/v"): "public",
    ("POST", "/api/cast"): "public",
    ("POST", "/api/audited-ballots"): "public",
    ("POST", E + "/audit-check"): "public",
    ("GET", E + "/public"): "public",
    ("GET", E + "/board/entries"): "public",
    ("GET", E + "/trackers"): "public",
    ("GET", E + "/trackers/{tracker:str}"): "public",
    ("GET", E + "/aliases/{alias:str}"): "public",
    ("GET", E + "/head"): "public",
    # Witnessed heads: the committee names witnesses; a witness's signature is its credential.
    ("GET", E + "/witnesses"): "election",
    ("POST", E + "/witnesses"): "admin",
    ("DELETE", E + "/witnesses/{public_key:str}"): "admin",
    ("GET", E + "/board/heads"): "public",
    ("GET", E + "/cosignatures"): "public",
    ("POST", E + "/cosignatures"): "public",
    ("GET", "/board/{election_id:str}"): "public",
    ("GET", "/audit"): "public",
    # Operations (issue #6): health checks and the JSON API's OpenAPI schema.
    ("GET", "/health/live"): "public",
    ("POST", "/sms/receipts/twilio/{message_id:int}"): "public",
    ("POST", "/sms/receipts/generic/{message_id:int}"): "public",
    ("POST", "/mail/events/mailgun"): "public",
    ("GET", "/health/ready"): "public",
    ("GET", "/api/schema"): "public",
    ("GET", "/api/schema/openapi.json"): "public",
    ("GET", "/api/schema/{path:str}"): "public",
    # Observer pages: result and how to verify (public), the audit chain (staff).
    ("GET", "/board/{election_id:str}/result"): "public",
    ("GET", "/board/{election_id:str}/verify"): "public",
    ("GET", "/board/{election_id:str}/alias"): "public",
    # The count (issue #5): tally rounds, partial decryptions, challenges, certification.
    ("GET", E + "/tally"): "election",
    ("POST", E + "/tally"): "admin",
    ("POST", E + "/tally/partials"): "trustee",
    # The mix-net of ranked races (issue 15): trustees shuffle, then decrypt the shuffled.
    ("GET", E + "/mix"): "election",
    ("POST", E + "/mix/shuffles"): "trustee",
    ("POST", E + "/mix/partials"): "trustee",
    ("GET", E + "/challenges"): "staff",
    ("POST", E + "/challenges/{challenge_id:str}"): "admin",
    ("POST", E + "/certify"): "admin",
    ("GET", E + "/record.zip"): "public",
    ("POST", C + "/tally"): "admin",
    ("POST", C + "/challenges/{challenge_id:str}"): "admin",
    ("POST", C + "/certify"): "admin",
    ("GET", C + "/tally-sheet.pdf"): "staff",
    # What the committee prints (issue 14): the notice is public knowledge; the letters
    # hold live voting links, so only admins make them.
    ("GET", C + "/notice.pdf"): "staff",
    ("GET", C + "/letters"): "admin",
    ("POST", C + "/letters"): "admin",
    ("GET", C + "/ways-to-vote"): "admin",
    ("POST", C + "/ways-to-vote"): "admin",
    ("GET", "/api/audit/chain"): "staff",
    # The roll and accounts in the browser (issue 13): who voted is "names" (admins and
    # observers with that right in the election), every change is an admin's.
    ("GET", C + "/members"): "names",
    ("GET", C + "/members/{member_id:str}"): "admin",
    ("POST", C + "/members/{member_id:str}"): "admin",
    ("POST", C + "/members/{member_id:str}/resend"): "admin",
    ("POST", C + "/members/{member_id:str}/reissue"): "admin",
    ("POST", C + "/members/{member_id:str}/send-by"): "admin",
    ("POST", C + "/members/{member_id:str}/withdraw"): "admin",
    ("GET", C + "/members/{member_id:str}/withdraw"): "admin",
    ("GET", C + "/add-member"): "admin",
    ("POST", C + "/add-member"): "admin",
    ("GET", C + "/roll-import"): "admin",
    ("POST", C + "/roll-import"): "admin",
    ("POST", C + "/roll-import/{draft_id:int}"): "admin",
    ("GET", C + "/not-voted.csv"): "admin",
    # Paper ballots and the polling place (issue 14): committee acts, admins only.
    ("GET", C + "/polling-place"): "admin",
    ("POST", C + "/polling-place/open"): "admin",
    ("POST", C + "/polling-place/check-in"): "admin",
    ("GET", C + "/envelopes"): "admin",
    ("POST", C + "/envelopes"): "admin",
    ("GET", C + "/hand-count"): "admin",
    ("POST", C + "/hand-count"): "admin",
    ("POST", E + "/envelopes"): "admin",
    ("POST", E + "/hand-counts"): "admin",
    ("GET", "/committee/accounts"): "admin",
    ("POST", "/committee/accounts"): "admin",
    ("GET", "/committee/accounts/{account_id:int}"): "admin",
    ("POST", "/committee/accounts/{account_id:int}/disable"): "admin",
    ("POST", "/committee/accounts/{account_id:int}/password"): "admin",
    ("POST", "/committee/accounts/{account_id:int}/elections"): "admin",
    ("GET", "/committee/account"): "signed_in",
    ("POST", "/committee/account/password"): "signed_in",
    ("POST", "/committee/account/totp"): "signed_in",
    ("POST", "/committee/account/totp/confirm"): "signed_in",
}

ALLOWED = {
    "public": {"anonymous", "observer", "trustee", "admin"},
    "signed_in": {"observer", "trustee", "admin"},
    "staff": {"observer", "admin"},
    "admin": {"admin"},
    "election": {"observer", "trustee", "admin"},
    "trustee": {"trustee"},
    # The test's observer follows no election, so it sees counts only.
    "names": {"admin"},
}
ROLES = ("anonymous", "observer", "trustee", "admin")


def routes(app: Litestar) -> dict[tuple[str, str], str | None]:
    out: dict[tuple[str, str], str | None] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method, (handler, _kwargs) in route.route_handler_map.items():
            if method in ("OPTIONS", "HEAD"):
                continue
            out[(method, route.path)] = handler.opt.get("access")
    return out


def test_levels_are_known() -> None:
    assert set(ALLOWED) == set(LEVELS)


async def test_every_route_is_in_the_table(app: Litestar) -> None:
    served = routes(app)
    assert set(served) == set(EXPECTED), "add new endpoints to EXPECTED with their access level"
    wrong = {k: (v, EXPECTED[k]) for k, v in served.items() if v != EXPECTED[k]}
    assert wrong == {}


@pytest.fixture
async def clients(app: Litestar, admin: Web) -> AsyncIterator[dict[str, Web]]:
    await make_account(app, "obs@example.org", "observer")
    await make_account(app, "trustee@example.org", "trustee")
    async with client_for(app) as anon, client_for(app) as obs, client_for(app) as tru:
        o, t = Web(obs), Web(tru)
        assert (await o.login("obs@example.org")).status_code == 200
        assert (await t.login("trustee@example.org")).status_code == 200
        yield {"anonymous": Web(anon), "observer": o, "trustee": t, "admin": admin}


def fill(path: str, election_id: str) -> str:
    return (
        path.replace("{election_id:str}", election_id)
        .replace("{member_id:str}", "M001")
        .replace("{language:str}", "es")
        .replace("{token:str}", "no-such-token")
        .replace("{file_path:path}", "ballot.css")
        .replace("{challenge_id:str}", "cnope")
        .replace("{draft_id:int}", "1")
        .replace("{account_id:int}", "1")
        .replace("{message_id:int}", "1")
        .replace("{alias:str}", "7K3QD-M9XAT")
        .replace("{public_key:str}", "ab" * 32)
        .replace("{step:str}", "open")
    )


def refused(role: str, path: str, r: object) -> bool:
    """Did the access guard turn this request away (not: did the act itself fail)?"""
    status, text = r.status_code, r.text  # type: ignore[attr-defined]
    if status == 303 and r.headers.get("location", "").startswith("/login?next="):  # type: ignore[attr-defined]
        return True
    return (status == 401 and "sign in first" in text) or (
        status == 403 and "may not do this" in text
    )


async def test_each_role_against_each_endpoint(app: Litestar, clients: dict[str, Web]) -> None:
    admin = clients["admin"]
    election_id = await create_draft(admin, trustees={"n": 1, "k": 1})
    r = await admin.post(
        f"/api/elections/{election_id}/trustees",
        json={"email": "trustee@example.org", "position": 1},
    )
    assert r.status_code == 201
    # Sign-out routes last, so each client stays signed in for the others.
    order = sorted(EXPECTED, key=lambda k: ("logout" in k[1], k))
    failures = []
    for method, template in order:
        level = EXPECTED[(method, template)]
        path = fill(template, election_id)
        for role in ROLES:
            web = clients[role]
            if "logout" in path and role != "anonymous":
                await web.login(f"{ {'observer': 'obs'}.get(role, role) }@example.org")
            kwargs = {"json": {}} if path.startswith("/api/") and method != "GET" else {}
            if method != "GET" and not path.startswith("/api/"):
                kwargs = {"data": {"_csrf_token": await web.csrf()}}
            r = await web.request(method, path, **kwargs)
            was_refused = refused(role, path, r)
            should_refuse = role not in ALLOWED[level]
            if was_refused != should_refuse or r.status_code >= 500:
                failures.append((method, template, role, r.status_code))
    assert failures == []
