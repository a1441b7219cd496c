"""The manifest records the outcome rule the verifier will read, built from the form."""

from __future__ import annotations

from typing import Any

from tests.support.asgi import Web, create_draft


async def manifest_rule(admin: Web, **definition: Any) -> Any:
    election_id = await create_draft(admin, **definition)
    r = await admin.post(f"/api/elections/{election_id}/state", json={"target": "key_ceremony"})
    assert r.status_code == 200, r.text
    return (await admin.get(f"/api/elections/{election_id}/ceremony")).json()["manifest"]["rule"]


async def test_yes_no_kinds_approve_the_first_option(admin: Web) -> None:
    assert await manifest_rule(admin) == {
        "kind": "majority",
        "threshold": "1/2",
        "quorum_fraction": None,
        "quorum_count": None,
        "approve_option": "q1-o1",
    }
    rule = await manifest_rule(
        admin,
        kind="strike_authorisation",
        rule="supermajority",
        supermajority="2/3",
        quorum="40%",
    )
    assert (rule["kind"], rule["threshold"], rule["quorum_fraction"]) == (
        "supermajority",
        "2/3",
        "2/5",
    )


async def test_officer_elections_are_plurality_with_runoff(admin: Web) -> None:
    question = {
        "text": {"en": "President", "es": "Presidencia"},
        "min": 1,
        "max": 1,
        "options": [{"en": n, "es": n} for n in ("Ana", "Ben", "Chen")],
    }
    rule = await manifest_rule(admin, kind="officer", questions=[question])
    assert (rule["kind"], rule["threshold"]) == ("plurality_with_runoff", "1/2")
