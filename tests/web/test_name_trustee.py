"""Naming trustees: the API and the committee page share one set of checks (ops.name_trustee).

A refusal must be a clear 400 that changes nothing, whichever door the request came in by.
"""

from __future__ import annotations

import html

from litestar import Litestar

from .helpers import Web, create_draft, make_account


async def seats(admin: Web, election_id: str) -> list[str]:
    page = (await admin.get(f"/committee/elections/{election_id}/ceremony")).text
    return [line for line in html.unescape(page).splitlines() if "Trustee 1:" in line]


async def test_api_refuses_what_the_page_refuses(app: Litestar, admin: Web) -> None:
    await make_account(app, "one@example.org", "trustee")
    await make_account(app, "two@example.org", "trustee")
    await make_account(app, "voter@example.org", "observer")
    election_id = await create_draft(admin, trustees={"n": 2, "k": 1})
    url = f"/api/elections/{election_id}/trustees"

    r = await admin.post(url, json={"email": "one@example.org", "position": 1})
    assert r.status_code == 201, r.text
    for body, message in [
        ({"email": "two@example.org", "position": 1}, "is already named"),
        ({"email": "one@example.org", "position": 2}, "is already named"),
        ({"email": "two@example.org", "position": 3}, "position must be between 1 and 2"),
        ({"email": "voter@example.org", "position": 2}, "is not a trustee account"),
        ({"email": "nobody@example.org", "position": 2}, "is not a trustee account"),
    ]:
        r = await admin.post(url, json=body)
        assert r.status_code == 400 and message in r.text, (body, r.text)

    ceremony = f"/committee/elections/{election_id}/ceremony/seats"
    r = await admin.post(ceremony, data={"email": "two@example.org", "position": "1"})
    assert r.status_code == 400
    assert "position 1 or two@example.org is already named" in html.unescape(r.text)
    r = await admin.post(ceremony, data={"email": "", "position": "2"})
    assert r.status_code == 400 and "that is not a trustee account" in r.text

    assert len(await seats(admin, election_id)) == 1
    assert (
        "Trustee 2:" not in (await admin.get(f"/committee/elections/{election_id}/ceremony")).text
    )
