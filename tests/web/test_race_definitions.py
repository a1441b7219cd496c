"""A definition with races is kept as written: the API and the editor store every race key
(PROTOCOL 5.1) and the manifest frozen for the key ceremony carries them."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar

from ballot.crypto.manifest import ElectionManifest
from ballot.store.elections import build_manifest, current_definition
from ballot.store.models import Election

from .helpers import ROLL, Web, create_draft
from .test_definition_editor import FORM, field_values
from .test_forms_keep_values import assert_kept

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


#: The editor's form for an officer election: a ranked president, stewards of one unit
#: (choose two), delegates by STV shown alphabetically.
OFFICERS: dict[str, str] = {
    **FORM,
    "title": "Local 12 officer elections",
    "kind": "officer",
    "rule": "majority",
    "supermajority": "",
    "quorum": "",
    "q1_text": "President",
    "q1_min": "0",
    "q1_max": "3",
    "q1_ranked": "on",
    "q1_method": "instant_runoff",
    "q1_seats": "1",
    "q1_unit": "",
    "q1_order": "rotated",
    "q1_o1": "Ana",
    "q1_o2": "Ben",
    "q1_o3": "Cy",
    "q2_text": "Stewards of North",
    "q2_min": "1",
    "q2_max": "2",
    "q2_method": "instant_runoff",
    "q2_seats": "1",
    "q2_unit": "North",
    "q2_order": "fixed",
    "q2_o1": "Dee",
    "q2_o2": "Eve",
    "q2_o3": "Fay",
    "q3_text": "Delegates",
    "q3_min": "0",
    "q3_max": "4",
    "q3_ranked": "on",
    "q3_method": "scottish_stv",
    "q3_seats": "2",
    "q3_unit": "",
    "q3_order": "alphabetical",
    "q3_o1": "Gus",
    "q3_o2": "Hal",
    "q3_o3": "Ida",
    "q3_o4": "Jo",
}


async def test_the_editor_writes_races_as_the_contract_says(app: Litestar, admin: Web) -> None:
    r = await admin.post("/committee/elections/new", data=OFFICERS, follow_redirects=False)
    assert r.status_code == 303, r.text
    election_id = r.headers["location"].rsplit("/", 1)[-1]
    manifest = await manifest_of(app, election_id)
    president, stewards, delegates = manifest["questions"]
    assert president["ranked"] is True and president["min"] == 0 and president["max"] == 3
    assert (president["method"], president["seats"], president["order"]) == (
        "instant_runoff",
        1,
        "rotated",
    )
    assert stewards["unit"] == "North" and "ranked" not in stewards and "seats" not in stewards
    assert (delegates["method"], delegates["seats"], delegates["order"]) == (
        "scottish_stv",
        2,
        "alphabetical",
    )
    assert manifest["rule"]["kind"] == "plurality"

    # The stored definition comes back into the same fields; saving it again keeps it.
    url = f"/committee/elections/{election_id}/definition"
    page = (await admin.get(url)).text
    shown = field_values(page)
    for name in ("q1_ranked", "q1_method", "q1_order", "q2_unit", "q3_method", "q3_seats"):
        assert shown[name] == OFFICERS[name], name
    r = await admin.post(url, data={k: v for k, v in shown.items() if k != "action"})
    assert r.status_code == 200 and "The definition is saved" in r.text
    assert (await manifest_of(app, election_id))["questions"] == manifest["questions"]


#: One invalid race field at a time: the page comes back with every value kept.
RACE_INVALID = {
    "q1_method": "borda",
    "q3_seats": "4",
    "q2_unit": "N" * 101,
    "q3_order": "random",
}


async def test_the_editor_keeps_every_race_value_on_an_error(admin: Web) -> None:
    for name, bad in RACE_INVALID.items():
        sent = {**OFFICERS, name: bad}
        r = await admin.post("/committee/elections/new", data=sent)
        assert r.status_code == 400, (name, r.text[:300])
        kept = dict(sent)
        if name == "q3_order":  # a value the menu does not offer cannot be shown as chosen
            kept.pop(name)
        if name == "q1_method":
            kept.pop(name)
        assert_kept(r.text, kept, name)
    # A race in a vote that approves an option is refused at the kind of vote.
    r = await admin.post("/committee/elections/new", data={**OFFICERS, "kind": "ratification"})
    assert r.status_code == 400
    assert_kept(r.text, {**OFFICERS, "kind": "ratification"}, "kind")
    assert (await admin.get("/api/elections")).json() == []


async def test_units_are_offered_from_the_roll_and_a_stray_unit_is_named(
    admin: Web,
) -> None:
    r = await admin.post("/committee/elections/new", data=OFFICERS, follow_redirects=False)
    election_id = r.headers["location"].rsplit("/", 1)[-1]
    url = f"/committee/elections/{election_id}/definition"
    fresh = (await admin.get(url)).text
    assert 'list="roll-units"' not in fresh and "nobody on the roll" not in fresh
    r = await admin.post(f"/api/elections/{election_id}/roll", content=ROLL.encode())
    assert r.status_code == 200
    page = (await admin.get(url)).text
    assert '<datalist id="roll-units">' in page and 'list="roll-units"' in page
    assert "Units on the roll: East, North, South." in page
    r = await admin.post(url, data={**field_values(page), "q2_unit": "West"})
    assert r.status_code == 200
    assert "Question 2: nobody on the roll is in the unit West" in r.text


async def test_the_election_page_names_each_race_in_words(admin: Web) -> None:
    r = await admin.post("/committee/elections/new", data=OFFICERS, follow_redirects=False)
    page = (await admin.get(r.headers["location"])).text
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "In each race the candidates with the most votes fill its seats" in text
    assert (
        "Question 1: ranked, instant runoff for one seat; candidates rotated for each member"
        in text
    )
    assert "Question 2: members of the unit North only" in text
    assert (
        "Question 3: ranked, single transferable vote for 2 seats; candidates in alphabetical order"
        in text
    )
