"""Setting an election up from the browser: texts in every language, trustees, key ceremony.

Everything goes through the HTML forms (with the CSRF token, like a browser), then the
outcome is checked through the JSON API, which reads the same rows.
"""

from __future__ import annotations

import base64
import html
import re
from typing import Any

from litestar import Litestar

from ballot.crypto.keyfile import open_key

from .conftest import client_for
from .helpers import ROLL, Web, create_draft, make_account

ENGLISH_ONLY: dict[str, Any] = {
    "title": {"en": "Recognition vote"},
    "instructions": {"en": "Choose one."},
    "questions": [
        {
            "text": {"en": "Do you want the union?"},
            "min": 1,
            "max": 1,
            "options": [{"en": "Yes"}, {"en": "No"}],
        }
    ],
}
SPANISH = {
    "Recognition vote": "Votación de reconocimiento",
    "Choose one.": "Elija una.",
    "Do you want the union?": "¿Quiere el sindicato?",
    "Yes": "Sí",
    "No": "No",
}
PASSPHRASE = "trustee passphrase one"


def text_fields(page: str) -> dict[str, str]:
    """Form field name -> the English reference shown next to it, read off the page."""
    pairs = re.findall(
        r'<p class="reference"[^>]*>English: (.*?)</p>\s*<textarea[^>]*name="(text:[^"]+)"', page
    )
    return {name: html.unescape(english) for english, name in pairs}


async def english_draft_with_roll(admin: Web, **overrides: Any) -> str:
    election_id = await create_draft(admin, **{**ENGLISH_ONLY, **overrides})
    r = await admin.post(f"/api/elections/{election_id}/roll", content=ROLL.encode())
    assert r.status_code == 200, r.text
    return election_id


async def state(admin: Web, election_id: str) -> dict[str, Any]:
    return (await admin.get(f"/api/elections/{election_id}")).json()  # type: ignore[no-any-return]


async def save_spanish(admin: Web, election_id: str, only: set[str] | None = None) -> Any:
    page = await admin.get(f"/committee/elections/{election_id}/translations?lang=es")
    assert page.status_code == 200
    fields = text_fields(page.text)
    assert len(fields) == 5  # title, instructions, question, two options
    data = {
        name: SPANISH[english]
        for name, english in fields.items()
        if only is None or english in only
    }
    return await admin.post(f"/committee/elections/{election_id}/translations/es", data=data)


async def test_spanish_texts_through_the_form_then_ceremony_then_open(admin: Web) -> None:
    election_id = await english_draft_with_roll(admin)
    page = await admin.get(f"/committee/elections/{election_id}/translations")
    assert page.status_code == 200
    for name in ("English", "Español", "한국어", "简体中文", "Tiếng Việt", "Tagalog"):
        assert f'<td data-label="Language">{name}</td>' in page.text
    assert "Question 1, option 2" in page.text  # what Spanish still lacks, by name
    assert (await state(admin, election_id))["missing_translations"]["es"]

    r = await save_spanish(admin, election_id)
    assert r.status_code == 200, r.text
    assert "Saved 5 texts" in r.text
    after = await state(admin, election_id)
    assert after["missing_translations"] == {}
    assert after["texts"]["es"]["title"] == "Votación de reconocimiento"

    r = await admin.post(
        f"/committee/elections/{election_id}/ceremony/local",
        data={"passphrase_1": PASSPHRASE, "understood": "yes"},
    )
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    assert PASSPHRASE not in r.text
    ready = await state(admin, election_id)
    assert ready["state"] == "ready" and ready["joint_public_key"]
    assert ready["joint_public_key"] in r.text
    assert ready["manifest_hash"] in r.text
    assert 'id="fingerprint"' in r.text
    r = await admin.post(f"/api/elections/{election_id}/state", json={"target": "open"})
    assert r.status_code == 200, r.text


async def test_a_missing_text_blocks_the_ceremony_and_opening(admin: Web) -> None:
    election_id = await english_draft_with_roll(admin)
    r = await save_spanish(admin, election_id, only={"Recognition vote"})
    assert r.status_code == 200
    assert (await state(admin, election_id))["missing_translations"]["es"] == [
        "instructions",
        "question 1",
        "question 1 option 1",
        "question 1 option 2",
    ]
    r = await admin.post(
        f"/committee/elections/{election_id}/ceremony/local",
        data={"passphrase_1": PASSPHRASE, "understood": "yes"},
    )
    assert r.status_code == 409
    assert "Español (es) lacks: instructions, question 1, question 1 option 1" in r.text
    assert (await state(admin, election_id))["state"] == "draft"  # nothing happened

    # Complete the texts, get to ready; then a Korean member joins the roll: opening is
    # refused and the refusal names everything Korean lacks.
    assert (await save_spanish(admin, election_id)).status_code == 200
    r = await admin.post(
        f"/committee/elections/{election_id}/ceremony/local",
        data={"passphrase_1": PASSPHRASE, "understood": "yes"},
    )
    assert r.status_code == 200
    korean = ROLL.splitlines()[0] + "\nM007,Kim Min,kim@example.org,ko,East,\n"
    r = await admin.post(f"/api/elections/{election_id}/roll", content=korean.encode())
    assert r.status_code == 200, r.text
    sent = {"target": "open", "members": "7", "understood": "yes"}
    r = await admin.post(f"/committee/elections/{election_id}/state", data=sent)
    assert r.status_code == 409
    assert "Texts are missing for languages on the roll: 한국어." in html.unescape(r.text)
    assert (await state(admin, election_id))["state"] == "ready"
    # The texts are frozen now; the page says why and refuses a save.
    page = await admin.get(f"/committee/elections/{election_id}/translations?lang=ko")
    assert "frozen" in page.text and "disabled" in page.text
    r = await admin.post(
        f"/committee/elections/{election_id}/translations/ko", data={"text:title": "투표"}
    )
    assert r.status_code == 409 and "cannot change texts" in r.text


async def test_a_bad_save_changes_nothing(admin: Web) -> None:
    election_id = await english_draft_with_roll(admin)
    page = await admin.get(f"/committee/elections/{election_id}/translations?lang=es")
    title_field = next(n for n, e in text_fields(page.text).items() if e == "Recognition vote")
    r = await admin.post(
        f"/committee/elections/{election_id}/translations/es",
        data={title_field: "Votación", "text:option:999999": "¿?"},
    )
    assert r.status_code == 400
    assert "Nothing was saved" in r.text and "unknown text key" in r.text
    assert "Votación" in r.text  # what was typed is kept in the form
    assert "es" not in (await state(admin, election_id))["texts"]
    r = await admin.post(
        f"/committee/elections/{election_id}/translations/xx", data={title_field: "x"}
    )
    assert r.status_code == 400


async def test_trustee_numbers_then_ceremony_from_key_ceremony_to_ready(
    app: Litestar, admin: Web
) -> None:
    election_id = await create_draft(admin)
    r = await admin.post(f"/api/elections/{election_id}/roll", content=ROLL.encode())
    assert r.status_code == 200
    base = f"/committee/elections/{election_id}/ceremony"
    r = await admin.post(base + "/trustees", data={"trustees_n": "2", "trustees_k": "3"})
    assert r.status_code == 400 and "1 &lt;= k &lt;= n" in r.text
    r = await admin.post(base + "/trustees", data={"trustees_n": "2", "trustees_k": "2"})
    assert r.status_code == 200, r.text
    view = await state(admin, election_id)
    assert view["trustees"] == {"n": 2, "k": 2}
    assert view["texts"]["es"]["title"] == "Votación de reconocimiento"  # texts kept

    await make_account(app, "tru@example.org", "trustee")
    r = await admin.post(base + "/seats", data={"email": "tru@example.org", "position": "2"})
    assert r.status_code == 303
    page = await admin.get(base)
    assert "Trustee 2: tru@example.org" in page.text
    assert 'id="passphrase_2"' in page.text

    r = await admin.post(f"/api/elections/{election_id}/state", json={"target": "key_ceremony"})
    assert r.status_code == 200
    r = await admin.post(
        base + "/local",
        data={"passphrase_1": PASSPHRASE, "passphrase_2": "short", "understood": "yes"},
    )
    assert r.status_code == 400 and "trustee 2" in r.text
    assert (await state(admin, election_id))["state"] == "key_ceremony"
    phrases = {"passphrase_1": PASSPHRASE, "passphrase_2": "another long passphrase"}
    r = await admin.post(base + "/local", data=phrases)  # not confirmed: nothing is done
    assert r.status_code == 400 and "tick the box" in r.text
    assert (await state(admin, election_id))["state"] == "key_ceremony"
    r = await admin.post(base + "/local", data={**phrases, "understood": "yes"})
    assert r.status_code == 200, r.text
    assert (await state(admin, election_id))["state"] == "ready"
    links = re.findall(r'href="data:application/octet-stream;base64,([^"]+)" download', r.text)
    assert len(links) == 2
    for blob, passphrase in zip(links, phrases.values(), strict=True):
        assert open_key(base64.b64decode(blob), passphrase)
    # One time only: the page shown later offers no key files, and a rerun is refused.
    assert "base64," not in (await admin.get(base)).text
    r = await admin.post(base + "/local", data={**phrases, "understood": "yes"})
    assert r.status_code == 409


async def test_observers_and_anonymous_are_refused(app: Litestar, admin: Web) -> None:
    election_id = await english_draft_with_roll(admin)
    await make_account(app, "obs@example.org", "observer")
    paths = [
        f"/committee/elections/{election_id}/translations",
        f"/committee/elections/{election_id}/ceremony",
    ]
    async with client_for(app) as anon_client, client_for(app) as obs_client:
        anon, obs = Web(anon_client), Web(obs_client)
        assert (await obs.login("obs@example.org")).status_code == 200
        for path in paths:
            r = await anon.get(path)
            assert r.status_code == 303 and r.headers["location"].startswith("/login")
        assert (await obs.get(paths[1])).status_code == 403
        # Observers read the texts (to sign them off) but cannot change them.
        page = await obs.get(paths[0])
        assert page.status_code == 200 and 'name="text:title"' not in page.text
        save = f"/committee/elections/{election_id}/translations/es"
        assert (await obs.post(save, data={"text:title": "x"})).status_code == 403
        post = f"/committee/elections/{election_id}/ceremony/local"
        assert (
            await obs.post(post, data={"passphrase_1": PASSPHRASE, "understood": "yes"})
        ).status_code == 403
        r = await anon.post(post, data={"passphrase_1": PASSPHRASE, "understood": "yes"})
        assert r.status_code == 303
    assert (await state(admin, election_id))["state"] == "draft"


async def test_a_post_without_the_csrf_token_is_refused(admin: Web) -> None:
    election_id = await english_draft_with_roll(admin)
    page = await admin.get(f"/committee/elections/{election_id}/translations?lang=es")
    fields = text_fields(page.text)
    r = await admin.client.post(
        f"/committee/elections/{election_id}/translations/es",
        data={name: SPANISH[english] for name, english in fields.items()},
    )
    assert r.status_code == 403
    r = await admin.client.post(
        f"/committee/elections/{election_id}/ceremony/local",
        data={"passphrase_1": PASSPHRASE, "understood": "yes"},
    )
    assert r.status_code == 403
    view = await state(admin, election_id)
    assert "es" not in view["texts"] and view["state"] == "draft"
