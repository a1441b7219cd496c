"""A question's race keys (PROTOCOL 5.1) travel from the committee's definition into the
manifest the trustees' keys are bound to, and back into the draft's definition; a plain
question gets none of them, so its manifest hash is what it was."""

from __future__ import annotations

from typing import Any

from litestar import Litestar

from ballot.service.acting import get_election
from ballot.store.elections import build_manifest, current_definition
from tests.support.asgi import Web, create_draft, definition, make_ready

RACES: list[dict[str, Any]] = [
    {
        "text": {"en": "President", "es": "Presidencia"},
        "ranked": True,
        "method": "instant_runoff",
        "seats": 1,
        "order": "rotated",
        "options": [
            {"en": "Ana", "es": "Ana"},
            {"en": "Ben", "es": "Ben"},
            {"en": "Chen", "es": "Chen"},
        ],
    },
    {
        "text": {"en": "Stewards, North", "es": "Delegados, Norte"},
        "min": 0,
        "max": 2,
        "unit": "North",
        "options": [
            {"en": "Dee", "es": "Dee"},
            {"en": "Eli", "es": "Eli"},
            {"en": "Fay", "es": "Fay"},
        ],
    },
]


async def manifest_of(admin: Web, election_id: str) -> dict[str, Any]:
    await make_ready(admin, election_id)
    r = await admin.get(f"/api/elections/{election_id}/ceremony")
    assert r.status_code == 200, r.text
    manifest: dict[str, Any] = r.json()["manifest"]
    return manifest


async def test_race_keys_reach_the_manifest_and_the_draft(app: Litestar, admin: Web) -> None:
    election_id = await create_draft(
        admin, kind="officer", rule="majority", allow_blank=True, questions=RACES
    )
    async with app.state.session_factory() as db:
        election = await get_election(db, election_id)
        draft = current_definition(election, await build_manifest(db, election))
    assert {k: draft["questions"][0][k] for k in ("ranked", "method", "seats", "order")} == {
        "ranked": True,
        "method": "instant_runoff",
        "seats": 1,
        "order": "rotated",
    }
    assert (draft["questions"][0]["min"], draft["questions"][0]["max"]) == (0, 3)
    assert draft["questions"][1]["unit"] == "North" and "ranked" not in draft["questions"][1]
    president, stewards = (await manifest_of(admin, election_id))["questions"]
    assert president["ranked"] is True and president["max"] == 3 and president["min"] == 0
    assert stewards["unit"] == "North" and "ranked" not in stewards and "order" not in stewards


async def test_a_plain_question_has_no_race_key(app: Litestar, admin: Web) -> None:
    election_id = await create_draft(admin)
    (question,) = (await manifest_of(admin, election_id))["questions"]
    assert not {"ranked", "method", "seats", "unit", "order"} & set(question)


async def test_a_race_key_of_the_wrong_type_is_refused(app: Litestar, admin: Web) -> None:
    bad = [dict(RACES[0], ranked="yes")]
    r = await admin.post("/api/elections", json=definition(questions=bad, allow_blank=True))
    assert r.status_code == 400, r.text
    assert "ranked must be true or false" in r.text
