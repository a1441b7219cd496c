"""A definition with races is kept as written: the API and the editor store every race key
(PROTOCOL 5.1) and the manifest frozen for the key ceremony carries them."""

from __future__ import annotations

from typing import Any

from litestar import Litestar

from ballot.crypto.manifest import ElectionManifest
from ballot.store.elections import build_manifest, current_definition
from ballot.store.models import Election

from .helpers import Web, create_draft

NAMES = ["Ana", "Ben", "Cy", "Dee"]


def races(**first: Any) -> list[dict[str, Any]]:
    """A ranked president (instant runoff), two stewards of North (choose), three delegates
    by STV shown alphabetically."""
    return [
        {
            "text": {"en": "President"},
            "min": 0,
            "max": 4,
            "ranked": True,
            "method": "instant_runoff",
            "seats": 1,
            "order": "rotated",
            "options": [{"en": n} for n in NAMES],
            **first,
        },
        {
            "text": {"en": "Stewards of North"},
            "min": 0,
            "max": 2,
            "unit": "North",
            "options": [{"en": n} for n in NAMES[:3]],
        },
        {
            "text": {"en": "Delegates"},
            "min": 0,
            "max": 3,
            "ranked": True,
            "method": "scottish_stv",
            "seats": 2,
            "order": "alphabetical",
            "options": [{"en": n} for n in NAMES],
        },
    ]


async def manifest_of(app: Litestar, election_id: str) -> dict[str, Any]:
    async with app.state.session_factory() as db:
        election = await db.get(Election, election_id)
        assert election is not None
        return await build_manifest(db, election)


async def test_the_api_keeps_every_race_key(app: Litestar, admin: Web) -> None:
    election_id = await create_draft(admin, kind="officer", allow_blank=True, questions=races())
    manifest = await manifest_of(app, election_id)
    president, stewards, delegates = manifest["questions"]
    assert {k: president[k] for k in ("ranked", "method", "seats", "order", "min", "max")} == {
        "ranked": True,
        "method": "instant_runoff",
        "seats": 1,
        "order": "rotated",
        "min": 0,
        "max": 4,
    }
    assert stewards["unit"] == "North" and "ranked" not in stewards and "order" not in stewards
    assert delegates["order"] == "alphabetical" and delegates["seats"] == 2
    assert manifest["rule"]["kind"] == "plurality"
    parsed = ElectionManifest.from_definition(manifest)
    assert parsed.has_ranked and parsed.has_units and parsed.on_ballot("South") == (0, 2)
    # The committee's definition read back for the editor has them too.
    async with app.state.session_factory() as db:
        election = await db.get(Election, election_id)
        assert election is not None
        again = current_definition(election, manifest)
    assert again["questions"][1]["unit"] == "North"
    assert again["questions"][0]["method"] == "instant_runoff"


async def test_a_definition_without_races_keeps_its_keys(app: Litestar, admin: Web) -> None:
    manifest = await manifest_of(app, await create_draft(admin))
    for key in ("ranked", "method", "seats", "unit", "order"):
        assert key not in manifest["questions"][0]


async def test_a_bad_race_is_refused_and_nothing_is_stored(admin: Web) -> None:
    r = await admin.post(
        "/api/elections",
        json={
            "kind": "officer",
            "title": {"en": "Officers"},
            "trustees": {"n": 1, "k": 1},
            "questions": races(method="borda"),
        },
    )
    assert r.status_code == 400 and "needs a method" in r.text
    assert (await admin.get("/api/elections")).json() == []
