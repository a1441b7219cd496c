"""Accounts and observer kinds in the browser, over HTTP on both engines.

An admin makes accounts with a temporary password (shown once, never logged, usable only
to choose a new one), disables them, resets another's password, and says per election
whether an observer sees who has voted or counts only; that choice is enforced on every
page and API that shows who voted.  Two-factor enrolment shows a QR code and takes a
first code.  Bad input is a 4xx that changes nothing.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pyotp
from litestar import Litestar
from sqlalchemy import select

from ballot.store.activity import activity_entries
from ballot.store.models import Account

from .conftest import client_for
from .helpers import OpenElection, Web

A = "/committee/accounts"


async def accounts_now(app: Litestar) -> list[tuple[Any, ...]]:
    async with app.state.session_factory() as db:
        return [
            (a.email, a.role, a.disabled, a.password_hash, a.must_change_password, a.totp_secret)
            for a in await db.scalars(select(Account).order_by(Account.id))
        ]


async def account_id(app: Litestar, email: str) -> int:
    async with app.state.session_factory() as db:
        found = await db.scalar(select(Account.id).where(Account.email == email))
        assert found is not None
        return int(found)


def temporary(page: str) -> str:
    found = re.search(r'<code class="secret">([a-z2-9-]{19})</code>', page)
    assert found, page
    return found.group(1)


async def make(admin: Web, **form: str) -> str:
    r = await admin.post(A, data=form)
    assert r.status_code == 200, r.text
    return temporary(r.text)


async def test_new_account_with_a_temporary_password(app: Litestar, admin: Web) -> None:
    password = await make(admin, name="Tess Trustee", email="tess@example.org", role="trustee")
    async with app.state.session_factory() as db:
        log = [(r.action, r.detail) for r in await activity_entries(db)]
    assert all(password not in detail for _a, detail in log)
    assert ("account_created", '{"email":"tess@example.org","role":"trustee"}') in log
    page = (await admin.get(A)).text
    assert "Tess Trustee" in page and password not in page  # shown once only

    async with client_for(app) as client:
        tess = Web(client)
        assert (await tess.login("tess@example.org", password)).status_code == 200
        r = await tess.get("/committee")
        assert r.status_code == 303 and r.headers["location"] == "/committee/account"
        r = await tess.get("/api/elections")
        assert r.status_code == 403 and "choose your own password" in r.text
        assert (await tess.get("/committee/account")).status_code == 200
        r = await tess.post(
            "/committee/account/password",
            data={"password": password, "new": "short", "again": "short"},
        )
        assert r.status_code == 400
        new = "a much better passphrase"
        r = await tess.post(
            "/committee/account/password", data={"password": password, "new": new, "again": new}
        )
        assert r.status_code == 200 and "new password is set" in r.text
        assert (await tess.get("/api/me")).json()["role"] == "trustee"
        assert (await tess.get("/committee/account")).status_code == 200
    async with client_for(app) as client:
        assert (await Web(client).login("tess@example.org", password)).status_code == 401


async def test_bad_account_input_changes_nothing(app: Litestar, admin: Web) -> None:
    await make(admin, name="Obi", email="obi@example.org", role="observer")
    before = await accounts_now(app)
    for form in (
        {"name": "Again", "email": "OBI@example.org", "role": "observer"},
        {"name": "No role", "email": "x@example.org", "role": "king"},
        {"name": "No address", "email": "nobody", "role": "admin"},
        {"name": "Bad election", "email": "y@example.org", "role": "observer", "election": "nope"},
    ):
        r = await admin.post(A, data=form)
        assert 400 <= r.status_code < 500, form
        assert f'value="{form["email"]}"' in r.text  # the form keeps what was typed
    me = await account_id(app, "admin@example.org")
    obi = await account_id(app, "obi@example.org")
    assert (await admin.post(f"{A}/{me}/disable", data={"confirm": "yes"})).status_code == 409
    assert (await admin.post(f"{A}/{me}/password", data={"confirm": "yes"})).status_code == 409
    assert (await admin.post(f"{A}/{obi}/disable", data={})).status_code == 400  # unconfirmed
    assert (await admin.post(f"{A}/{obi}/password", data={})).status_code == 400
    assert (await admin.post(f"{A}/999/disable", data={"confirm": "yes"})).status_code == 404
    r = await admin.post(f"{A}/{obi}/elections", data={"election": "nope", "kind": "names"})
    assert r.status_code == 404
    assert await accounts_now(app) == before


async def test_disable_and_reset_another_account(app: Litestar, admin: Web) -> None:
    first = await make(admin, name="Second Admin", email="two@example.org", role="admin")
    two = await account_id(app, "two@example.org")
    async with client_for(app) as client:
        other = Web(client)
        assert (await other.login("two@example.org", first)).status_code == 200
        r = await admin.post(f"{A}/{two}/disable", data={"confirm": "yes", "enabled": "no"})
        assert r.status_code == 200 and "disabled" in r.text
        assert (await other.get("/api/me")).status_code == 401  # signed out everywhere
        assert (await other.login("two@example.org", first)).status_code == 401
        r = await admin.post(f"{A}/{two}/disable", data={"confirm": "yes", "enabled": "yes"})
        assert r.status_code == 200
        r = await admin.post(f"{A}/{two}/password", data={"confirm": "yes"})
        assert r.status_code == 200
        second = temporary(r.text)
        assert second != first
        assert (await other.login("two@example.org", first)).status_code == 401
        assert (await other.login("two@example.org", second)).status_code == 200
        # The second admin may not disable the first while the first is the other one left.
        r = await other.get("/committee")
        assert r.status_code == 303  # a temporary password first needs replacing
    async with app.state.session_factory() as db:
        log = [(r.action, json.loads(r.detail)) for r in await activity_entries(db)]
    assert ("password_reset", {"email": "two@example.org", "two_factor_removed": False}) in log
    assert ("account_disabled", {"email": "two@example.org"}) in log


async def test_last_admin_cannot_be_disabled(app: Litestar, admin: Web) -> None:
    await make(admin, name="Two", email="two@example.org", role="admin")
    two = await account_id(app, "two@example.org")
    me = await account_id(app, "admin@example.org")
    assert (await admin.post(f"{A}/{two}/disable", data={"confirm": "yes"})).status_code == 200
    async with app.state.session_factory() as db:
        two_row = await db.get(Account, two)
        assert two_row is not None and two_row.disabled
    # The remaining admin is the actor; another admin disabling them would be the last.
    async with app.state.session_factory() as db:
        from ballot.service import accounts

        actor = await db.get(Account, two)
        target = await db.get(Account, me)
        assert actor is not None and target is not None
        try:
            await accounts.set_enabled(db, actor, target, enabled=False, now=app.state.clock())
        except Exception as exc:  # Refused
            assert getattr(exc, "code", "") == "last_admin"
        else:
            raise AssertionError("the last admin was disabled")


async def test_two_factor_enrolment_with_a_qr_code(app: Litestar, admin: Web) -> None:
    r = await admin.post("/committee/account/totp", data={"password": "wrong password!"})
    assert r.status_code == 403
    r = await admin.post("/committee/account/totp", data={"password": ""})
    assert r.status_code == 403
    r = await admin.post("/committee/account/totp", data={"password": "correct horse battery"})
    assert r.status_code == 200
    assert 'src="data:image/svg+xml' in r.text and "QR code for your authenticator app" in r.text
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', r.text)
    assert secret
    key = secret.group(1).replace(" ", "")
    r = await admin.post("/committee/account/totp/confirm", data={"code": "000000x"})
    assert r.status_code == 400
    async with app.state.session_factory() as db:
        me = await db.scalar(select(Account).where(Account.email == "admin@example.org"))
        assert me is not None and me.totp_secret is None and me.totp_pending == key
    code = pyotp.TOTP(key).at(app.state.clock())
    r = await admin.post("/committee/account/totp/confirm", data={"code": code})
    assert r.status_code == 200 and "Two-factor sign-in is on." in r.text
    async with app.state.session_factory() as db:
        me = await db.scalar(select(Account).where(Account.email == "admin@example.org"))
        assert me is not None and me.totp_secret == key


async def test_observer_kinds_are_enforced(
    app: Litestar, admin: Web, open_election: OpenElection
) -> None:
    eid = open_election.id
    r = await admin.post(f"/api/elections/{eid}/voters/M002/revoke", json={"voted_on_paper": True})
    assert r.status_code == 200
    union = await make(
        admin,
        name="Union Obs",
        email="union@example.org",
        role="observer",
        election=eid,
        kind="names",
    )
    boss = await make(
        admin,
        name="Employer Obs",
        email="boss@example.org",
        role="observer",
        election=eid,
        kind="counts",
    )
    seen: dict[str, dict[str, Any]] = {}
    for email, password in (("union@example.org", union), ("boss@example.org", boss)):
        async with client_for(app) as client:
            w = Web(client)
            assert (await w.login(email, password)).status_code == 200
            new = "observer passphrase 1"
            r = await w.post(
                "/committee/account/password",
                data={"password": password, "new": new, "again": new},
            )
            assert r.status_code == 200
            seen[email] = {
                "members": (await w.get(f"/committee/elections/{eid}/members")).status_code,
                "page": (await w.get(f"/committee/elections/{eid}")).text,
                "turnout": (await w.get(f"/api/elections/{eid}/turnout")).json(),
                "roll": (await w.get(f"/api/elections/{eid}/roll")),
                "audit": (await w.get("/committee/audit")).text,
                "chain": (await w.get("/api/audit/chain")).json(),
                "log": (await w.get("/api/audit")).json(),
                "csv": (await w.get(f"/committee/elections/{eid}/not-voted.csv")).status_code,
            }
    union_saw, boss_saw = seen["union@example.org"], seen["boss@example.org"]
    assert union_saw["members"] == 200 and boss_saw["members"] == 403
    assert union_saw["turnout"]["voted"] == boss_saw["turnout"]["voted"] == 1
    assert [m["member_id"] for m in union_saw["turnout"]["members"]] == ["M002"]
    assert boss_saw["turnout"]["members"] == []
    assert union_saw["roll"].status_code == 200 and boss_saw["roll"].status_code == 403
    assert all("email" not in row for row in union_saw["roll"].json())  # addresses: admins only
    assert "See who has voted" in union_saw["page"]
    assert "counts only" in boss_saw["page"] and "See who has voted" not in boss_saw["page"]
    assert "member=M002" in union_saw["audit"] and "M002" not in boss_saw["audit"]
    assert "M002" not in json.dumps(boss_saw["chain"]["entries"])
    assert "M002" not in json.dumps(boss_saw["log"]) and "M002" in json.dumps(union_saw["log"])
    assert boss_saw["chain"]["intact"]  # checked on the stored rows, the head still given
    assert boss_saw["chain"]["head"]["seq"] > union_saw["chain"]["head"]["seq"]
    assert union_saw["csv"] == boss_saw["csv"] == 403

    # The admin changes the employer's observer to names, then takes the election away.
    boss_id = await account_id(app, "boss@example.org")
    r = await admin.post(f"{A}/{boss_id}/elections", data={"election": eid, "kind": "rename"})
    assert r.status_code == 400
    r = await admin.post(f"{A}/{boss_id}/elections", data={"election": eid, "kind": "names"})
    assert r.status_code == 200 and "Sees who has voted" in r.text
    r = await admin.post(f"{A}/{boss_id}/elections", data={"election": eid, "remove": "yes"})
    assert r.status_code == 200 and "Without an election" in r.text
    admin_id = await account_id(app, "admin@example.org")
    r = await admin.post(f"{A}/{admin_id}/elections", data={"election": eid, "kind": "names"})
    assert r.status_code == 400  # only observers follow an election this way


async def test_the_signed_in_line_names_the_role_in_words(admin: Web) -> None:
    """The committee pages say who is signed in with the role in words, translated."""
    page = (await admin.get("/committee")).text
    assert "(Committee member)</p>" in page and "(admin)</p>" not in page
    page = (await admin.get("/committee?ui=ko")).text
    assert "(admin)</p>" not in page and "(Committee member)</p>" not in page
