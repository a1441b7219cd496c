"""The whole definition in the browser (issue 13, points 3, 4, 7 and 8).

Several questions each with its own min/max and options, moved up and down by form
posts (no JavaScript); a time zone with date-time pickers read in it; the committee's
identity checked on the server; the ballot preview from the voter's own templates;
each language signed off by a named member, and the sign-off lapsing when a text moves.
"""

from __future__ import annotations

import html
import re
from typing import Any

from litestar import Litestar

from ballot.service.elections import translations_signed_off

from .conftest import client_for
from .helpers import ROLL, Web, create_draft, make_account, make_ready

FORM: dict[str, str] = {
    "title": "Contract ratification 2026",
    "instructions": "Vote on both questions.",
    "kind": "ratification",
    "rule": "supermajority",
    "supermajority": "2/3",
    "quorum": "1/2",
    "objection_days": "3",
    "trustees_n": "3",
    "trustees_k": "2",
    "time_zone": "America/Los_Angeles",
    "opens_at": "2026-05-04T09:00",
    "closes_at": "2026-05-15T17:00",
    "committee_name": "Local 12 Election Committee",
    "committee_email": "vote@local12.example.org",
    "committee_phone": "+1 213 555 0100",
    "committee_reply_to": "reply@local12.example.org",
    "q1_text": "Do you ratify the national agreement?",
    "q1_min": "1",
    "q1_max": "1",
    "q1_o1": "Yes",
    "q1_o2": "No",
}


def field_values(page: str) -> dict[str, str]:
    """name -> value of every input, textarea and selected option on the page."""
    out: dict[str, str] = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        name = re.search(r'\bname="([^"]*)"', tag)
        if name is None:
            continue
        kind = re.search(r'\btype="([^"]*)"', tag)
        if kind and kind[1] == "checkbox":
            out[name[1]] = "on" if re.search(r"\bchecked\b", tag) else ""
            continue
        value = re.search(r'\bvalue="([^"]*)"', tag)
        out[name[1]] = html.unescape(value[1]) if value else ""
    for name, body in re.findall(
        r'<textarea\b[^>]*\bname="([^"]*)"[^>]*>(.*?)</textarea>', page, re.S
    ):
        out[name] = html.unescape(body)
    for name, body in re.findall(r'<select\b[^>]*\bname="([^"]*)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        out[name] = html.unescape(chosen[1]) if chosen else ""
    return out


async def create(admin: Web, **changes: str) -> str:
    r = await admin.post(
        "/committee/elections/new", data={**FORM, **changes}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    return str(r.headers["location"].rsplit("/", 1)[-1])


async def view(admin: Web, election_id: str) -> dict[str, Any]:
    return (await admin.get(f"/api/elections/{election_id}")).json()  # type: ignore[no-any-return]


async def test_two_questions_built_with_form_posts_then_saved(admin: Web) -> None:
    r = await admin.post("/committee/elections/new", data={**FORM, "action": "add_question"})
    assert r.status_code == 200 and "Changed on this page only" in r.text
    values = field_values(r.text)
    assert values["q1_text"] == FORM["q1_text"] and values["q2_text"] == ""
    assert (
        values["time_zone"] == "America/Los_Angeles"
        and values["committee_phone"] == "+1 213 555 0100"
    )
    form = {
        **{k: v for k, v in values.items() if k != "action"},
        "q2_text": "Elect two stewards for the West region",
        "q2_min": "0",
        "q2_max": "2",
        "q2_o1": "Ana",
        "q2_o2": "Ben",
        "allow_blank": "on",
    }
    r = await admin.post("/committee/elections/new", data={**form, "action": "add_option:2"})
    form = {**field_values(r.text), "q2_o3": "Chen"}
    # Move Chen to the top: two clicks of its "Up" button.
    r = await admin.post("/committee/elections/new", data={**form, "action": "move_option:2:3:up"})
    r = await admin.post(
        "/committee/elections/new", data={**field_values(r.text), "action": "move_option:2:2:up"}
    )
    form = field_values(r.text)
    assert [form["q2_o1"], form["q2_o2"], form["q2_o3"]] == ["Chen", "Ana", "Ben"]
    r = await admin.post("/committee/elections/new", data={**form, "action": "move_question:2:up"})
    form = field_values(r.text)
    assert form["q1_text"].startswith("Elect two stewards")
    r = await admin.post("/committee/elections/new", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    election = await view(admin, r.headers["location"].rsplit("/", 1)[-1])
    texts = election["texts"]["en"]
    assert election["time_zone"] == "America/Los_Angeles"
    assert election["opens_at"] == "2026-05-04T16:00:00+00:00"  # 09:00 PDT
    assert election["closes_at"] == "2026-05-16T00:00:00+00:00"  # 17:00 PDT
    assert election["objection_days"] == 3 and election["quorum"] == "1/2"
    assert election["committee_contact"] == {
        "email": "vote@local12.example.org",
        "phone": "+1 213 555 0100",
        "reply_to": "reply@local12.example.org",
    }
    assert texts["committee"] == "Local 12 Election Committee"
    page = (await admin.get(f"/committee/elections/{election['id']}/definition")).text
    stored = field_values(page)
    assert [stored["q1_o1"], stored["q1_o2"], stored["q1_o3"]] == ["Chen", "Ana", "Ben"]
    assert stored["q1_min"] == "0" and stored["q1_max"] == "2"
    assert stored["q2_text"] == FORM["q1_text"]
    assert stored["opens_at"] == "2026-05-04T09:00" and stored["closes_at"] == "2026-05-15T17:00"


async def test_times_are_read_in_the_zone_and_a_skipped_hour_is_refused(admin: Web) -> None:
    election_id = await create(admin, time_zone="Asia/Seoul", opens_at="2026-05-04T09:00")
    assert (await view(admin, election_id))["opens_at"] == "2026-05-04T00:00:00+00:00"
    bad = {"time_zone": "America/New_York", "opens_at": "2026-03-08T02:30"}
    r = await admin.post("/committee/elections/new", data={**FORM, **bad})
    assert r.status_code == 400
    assert 'id="opens_at-error"' in r.text and "does not exist in America/New_York" in r.text
    r = await admin.post("/committee/elections/new", data={**FORM, "time_zone": "Mars/Olympus"})
    assert r.status_code == 400 and 'id="time_zone-error"' in r.text
    # The API refuses an unknown zone too, with the field named.
    r = await admin.post(
        "/api/elections",
        json={
            "kind": "recognition",
            "title": "t",
            "time_zone": "Nowhere/Else",
            "questions": [{"text": "q", "options": ["a", "b"]}],
        },
    )
    assert r.status_code == 400 and "time_zone" in r.text


async def test_committee_identity_is_checked_on_the_server(admin: Web) -> None:
    for name, value in {
        "committee_email": "not an address",
        "committee_reply_to": "reply@",
        "committee_phone": "call me",
        "committee_name": "",
    }.items():
        r = await admin.post("/committee/elections/new", data={**FORM, name: value})
        assert r.status_code == 400, name
        assert f'id="{name}-error"' in r.text, name
        assert re.search(rf'<input id="{name}"[^>]*aria-invalid="true"', r.text), name
    bad = {"name": {"en": "C"}, "email": "x", "fax": "1"}
    r = await admin.post(
        "/api/elections",
        json={
            "kind": "recognition",
            "title": "t",
            "committee": bad,
            "questions": [{"text": "q", "options": ["a", "b"]}],
        },
    )
    assert r.status_code == 400 and "committee email" in r.text and "unknown fields fax" in r.text


async def test_the_election_page_shows_every_setting_in_words(admin: Web) -> None:
    election_id = await create(admin, kind="strike_authorisation", subtotals="on")
    page = (await admin.get(f"/committee/elections/{election_id}")).text
    for words in (
        "Strike authorisation",
        "Approved with at least 2/3 (66.7%) of the valid votes.",
        "At least 1/2 (50%) of the members on the roll must vote.",
        "3 days after the final result",
        "2 of 3 trustees are needed to decrypt the tally",
        "Published for each unit with at least 10 ballots",
        "United States (Los Angeles) Time",
        "Mon, May 4, 2026, 9:00\u00a0AM PDT",
        "Fri, May 15, 2026, 5:00\u00a0PM PDT",
        "Local 12 Election Committee",
        "vote@local12.example.org",
        "+1 213 555 0100",
        "reply@local12.example.org",
        "English",
    ):
        assert words in page, words
    assert "strike_authorisation</" not in page and ">strike_authorisation" not in page


async def test_preview_is_the_members_ballot_in_each_language(admin: Web) -> None:
    election_id = await create_draft(admin)  # English and Spanish texts
    r = await admin.get(f"/committee/elections/{election_id}/preview?lang=es")
    assert r.status_code == 200
    assert '<html lang="es">' in r.text
    assert "¿Quiere el sindicato?" in r.text and 'for="q0-o0">Sí</label>' in r.text
    assert "Votación de reconocimiento" in r.text and "/static/css/phone.css" not in r.text
    assert "<script" not in r.text  # nothing is encrypted or sent from a preview
    # The member's page around the questions too: when voting closes, the secrecy box.
    assert 'id="closes-at"' in r.text and 'id="secrecy-title"' in r.text
    phone = await admin.get(f"/committee/elections/{election_id}/preview?lang=es&phone=1")
    assert "/static/css/phone.css" in phone.text
    # A language with no texts falls back to English, the reference.
    english = await admin.get(f"/committee/elections/{election_id}/preview?lang=ko")
    assert '<html lang="en">' in english.text and "Do you want the union?" in english.text
    links = (await admin.get(f"/committee/elections/{election_id}")).text
    assert f"/committee/elections/{election_id}/preview?lang=es" in links


async def test_each_language_is_signed_off_by_named_members_and_lapses_on_change(
    app: Litestar, admin: Web
) -> None:
    election_id = await create_draft(admin)
    assert (
        await admin.post(f"/api/elections/{election_id}/roll", content=ROLL.encode())
    ).status_code == 200
    await make_account(app, "obs@example.org", "observer", name="Olga Observer")

    async def signed() -> dict[str, Any]:
        async with app.state.session_factory() as db:
            return await translations_signed_off(db, election_id)

    assert await signed() == {"en": None, "es": None}
    url = f"/committee/elections/{election_id}/translations"
    r = await admin.post(f"{url}/es/sign-off")
    assert r.status_code == 200 and "You signed off" in r.text
    async with client_for(app) as c:
        observer = Web(c)
        assert (await observer.login("obs@example.org")).status_code == 200
        r = await observer.post(f"{url}/en/sign-off")
        assert r.status_code == 200
        page = (await observer.get(url)).text
    now = await signed()
    assert now["es"] is not None and now["es"].email == "admin@example.org"
    assert now["en"] is not None and now["en"].name == "Olga Observer"
    assert "Signed off by Olga Observer (obs@example.org)" in page
    # Changing one Spanish text lapses the Spanish sign-off only.
    r = await admin.post(f"{url}/es", data={"text:title": "Votación para reconocer al sindicato"})
    assert r.status_code == 200
    now = await signed()
    assert now["es"] is None and now["en"] is not None
    assert "but the texts changed since: sign again" in (await admin.get(url)).text
    # Moving an option (the ballot's order) lapses every language.
    form = field_values((await admin.get(f"/committee/elections/{election_id}/definition")).text)
    form["committee_name"] = "Local 1 Election Committee"
    r = await admin.post(
        f"/committee/elections/{election_id}/definition",
        data={**form, "action": "move_option:1:2:up"},
    )
    r = await admin.post(
        f"/committee/elections/{election_id}/definition", data=field_values(r.text)
    )
    assert r.status_code == 200 and "The definition is saved" in r.text
    assert await signed() == {"en": None, "es": None}
    election = await view(admin, election_id)
    # The Spanish texts followed their options through the move.
    by_key = election["texts"]
    first, second = sorted(k for k in by_key["en"] if k.startswith("option:"))
    assert (by_key["en"][first], by_key["es"][first]) == ("No", "No")
    assert (by_key["en"][second], by_key["es"][second]) == ("Yes", "Sí")
    # A language with a missing text cannot be signed off; an unknown one neither.
    r = await admin.post(f"{url}/ko/sign-off")
    assert r.status_code == 400
    assert (await admin.post(f"{url}/xx/sign-off")).status_code == 400


async def test_a_frozen_definition_cannot_be_saved(admin: Web) -> None:
    election_id = await create_draft(admin)
    await make_ready(admin, election_id)
    page = (await admin.get(f"/committee/elections/{election_id}/definition")).text
    assert "The definition is frozen" in page and "disabled" in page
    form = {**field_values(page), "committee_name": "C", "title": "Changed"}
    r = await admin.post(f"/committee/elections/{election_id}/definition", data=form)
    assert r.status_code == 409 and "Changed" in r.text
    assert (await view(admin, election_id))["texts"]["en"]["title"] == "Recognition vote"
