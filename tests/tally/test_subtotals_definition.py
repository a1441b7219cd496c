"""Asking for subtotals per unit: API field and committee form, validated, in the manifest."""

from __future__ import annotations

from typing import Any

from tests.support.asgi import Web, create_draft, definition


async def manifest(admin: Web, **overrides: Any) -> dict[str, Any]:
    election_id = await create_draft(admin, **overrides)
    r = await admin.post(f"/api/elections/{election_id}/state", json={"target": "key_ceremony"})
    assert r.status_code == 200, r.text
    return dict((await admin.get(f"/api/elections/{election_id}/ceremony")).json()["manifest"])


async def test_the_manifest_carries_subtotals_only_when_asked(admin: Web) -> None:
    assert "subtotals" not in await manifest(admin)
    asked = await manifest(admin, subtotals={"by": "unit", "min_size": 25})
    assert asked["subtotals"] == {"by": "unit", "min_size": 25}
    default = await manifest(admin, subtotals={"by": "unit"})
    assert default["subtotals"] == {"by": "unit", "min_size": 10}


async def test_bad_subtotals_are_refused_and_nothing_is_created(admin: Web) -> None:
    before = (await admin.get("/api/elections")).json()
    for bad in ({"by": "unit", "min_size": 0}, {"by": "shop"}, {"by": "unit", "min_size": "5"}):
        r = await admin.post("/api/elections", json=definition(subtotals=bad))
        assert r.status_code == 400, r.text
        assert "subtotals" in r.text
    assert (await admin.get("/api/elections")).json() == before


async def test_the_committee_form_asks_for_subtotals(admin: Web) -> None:
    page = (await admin.get("/committee/elections/new")).text
    assert 'name="subtotals"' in page and 'name="subtotal_min_size"' in page
    form = {
        "kind": "recognition",
        "title": "Recognition vote",
        "committee_name": "Local 1 Election Committee",
        "q1_text": "Do you want the union?",
        "q1_o1": "Yes",
        "q1_o2": "No",
        "subtotals": "on",
        "subtotal_min_size": "15",
    }
    r = await admin.post("/committee/elections/new", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    election_id = r.headers["location"].rsplit("/", 1)[-1]
    view = (await admin.get(f"/api/elections/{election_id}")).json()
    assert view["subtotals"] == {"by": "unit", "min_size": 15}
    r = await admin.post("/committee/elections/new", data={**form, "subtotal_min_size": "few"})
    assert r.status_code == 400 and "subtotals" in r.text
