"""Every committee form, sent with one invalid field, comes back with every other value.

Issue 13's acceptance: after a date-format error the old new-election form reset the
rule, the trustees and the question to defaults, and the change went unseen.  Each form
here is filled in completely, one field is made invalid, and the page that comes back
must hold every other value as typed, with the problem at the invalid field
(``aria-invalid`` and ``aria-describedby`` pointing at the message).

Forms left out, and why: the test message's "it arrived" (no fields), the roll import (a browser never refills a file input; the
rows at fault are listed instead), the local key ceremony (its only fields are the
trustees' passphrases, which are never sent back in a page), sign-off and reminders
(no fields), certification (one field: the invalid one).
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar

from tests.tally.conftest import NO, YES, cast, open_counted_election

from .helpers import Web, create_draft, make_account, make_ready
from .test_definition_editor import FORM, field_values

ALL_SETTINGS: dict[str, str] = {
    **FORM,
    "allow_blank": "on",
    "subtotals": "on",
    "subtotal_min_size": "12",
    "q1_min": "0",
    "q2_text": "Elect the stewards of the West region",
    "q2_min": "1",
    "q2_max": "2",
    "q2_o1": "Ana",
    "q2_o2": "Ben",
    "q2_o3": "Chen",
}
#: One invalid value per field: each is sent alone, with every other field valid.
INVALID: dict[str, str] = {
    "title": "",
    "supermajority": "7/5",
    "quorum": "lots",
    "objection_days": "soon",
    "subtotal_min_size": "0",
    "trustees_k": "9",
    "time_zone": "Atlantis/Capital",
    "opens_at": "2026-13-40T09:00",
    "closes_at": "2026-05-01T08:00",
    "committee_name": "",
    "committee_email": "nobody",
    "committee_phone": "ring ring",
    "committee_reply_to": "@example.org",
    "q1_text": "",
    "q1_max": "5",
    "q2_min": "x",
}


def assert_kept(page: str, sent: dict[str, str], invalid: str) -> None:
    """Every sent value is on the page; the invalid field is marked and described."""
    shown = field_values(page)
    for name, value in sent.items():
        assert shown.get(name) == value, (invalid, name, shown.get(name), value)
    tag = re.search(rf'<(?:input|select|textarea) id="{re.escape(invalid)}"[^>]*>', page)
    assert tag is not None, invalid
    assert 'aria-invalid="true"' in tag[0], (invalid, tag[0])
    assert f'aria-describedby="{invalid}-error' in tag[0], (invalid, tag[0])
    assert f'id="{invalid}-error"' in page, invalid


async def test_new_election_form_keeps_every_value_for_each_invalid_field(admin: Web) -> None:
    for name, bad in INVALID.items():
        sent = {**ALL_SETTINGS, name: bad}
        r = await admin.post("/committee/elections/new", data=sent)
        assert r.status_code == 400, (name, r.text[:300])
        assert_kept(r.text, sent, name)
    # An empty option line is left out; a question left with fewer than two options
    # is marked at its first option.
    sent = {**ALL_SETTINGS, "q2_o1": "", "q2_o2": "", "q2_o3": "Chen"}
    r = await admin.post("/committee/elections/new", data=sent)
    assert r.status_code == 400
    assert_kept(r.text, sent, "q2_o1")
    assert (await admin.get("/api/elections")).json() == []  # nothing was created


async def test_definition_editor_keeps_every_value(admin: Web) -> None:
    r = await admin.post("/committee/elections/new", data=ALL_SETTINGS, follow_redirects=False)
    assert r.status_code == 303, r.text
    url = r.headers["location"] + "/definition"
    stored = field_values((await admin.get(url)).text)
    for name in ("quorum", "committee_email", "opens_at", "q2_max"):
        bad = INVALID.get(name, "0")
        sent = {**stored, name: bad}
        r = await admin.post(url, data=sent)
        assert r.status_code == 400, name
        assert_kept(r.text, {k: v for k, v in sent.items() if not k.endswith("_ref")}, name)


async def test_translations_form_keeps_every_text(admin: Web) -> None:
    election_id = await create_draft(admin, title={"en": "Vote"}, instructions={"en": "Choose."})
    url = f"/committee/elections/{election_id}/translations"
    page = (await admin.get(url + "?lang=ko")).text
    names = re.findall(r'name="(text:[^"]+)"', page)
    sent = {name: f"번역 {i}" for i, name in enumerate(names)}
    sent["text:no-such-text"] = "x"  # the invalid field
    r = await admin.post(url + "/ko", data=sent)
    assert r.status_code == 400 and "Nothing was saved" in r.text
    shown = field_values(r.text)
    for name in names:
        assert shown[name] == sent[name], name


async def test_ceremony_forms_keep_their_values(app: Litestar, admin: Web) -> None:
    election_id = await create_draft(admin, trustees={"n": 3, "k": 2})
    await make_account(app, "t2@example.org", "trustee")
    await make_account(app, "t1@example.org", "trustee")
    url = f"/committee/elections/{election_id}/ceremony"
    r = await admin.post(url + "/trustees", data={"trustees_n": "4", "trustees_k": "two"})
    assert r.status_code == 400
    shown = field_values(r.text)
    assert shown["trustees_n"] == "4" and shown["trustees_k"] == "two"
    assert re.search(r'<input id="trustees_k"[^>]*aria-invalid="true"', r.text)
    r = await admin.post(url + "/seats", data={"email": "t2@example.org", "position": "9"})
    assert r.status_code == 400
    shown = field_values(r.text)
    assert shown["email"] == "t2@example.org" and shown["position"] == "9"
    assert re.search(r'<input id="seat_position"[^>]*aria-invalid="true"', r.text)
    r = await admin.post(url + "/local", data={"passphrase_1": "short", "passphrase_2": "x" * 12})
    assert r.status_code == 400 and "x" * 12 not in r.text  # secrets are never sent back


async def test_confirmation_and_login_forms_keep_their_values(admin: Web, web: Web) -> None:
    """The irreversible steps' confirmation forms (tests/web/test_confirmations.py): the
    reason and the typed number come back as sent, the problem at its field."""
    election_id = await create_draft(admin)
    page = f"/committee/elections/{election_id}"
    sent = {"target": "key_ceremony", "understood": "yes"}
    assert (await admin.post(page + "/state", data=sent)).status_code == 303
    r = await admin.post(page + "/state", data={"target": "draft", "reason": "option order"})
    assert r.status_code == 400
    assert field_values(r.text)["reason"] == "option order"
    assert re.search(r'<input type="checkbox" id="understood"[^>]*aria-invalid="true"', r.text)
    r = await admin.post(page + "/state", data={"target": "nowhere", "reason": "option order"})
    assert r.status_code == 400
    await make_ready_again(admin, election_id)
    sent = {"target": "open", "members": "60", "understood": "yes"}
    r = await admin.post(page + "/state", data=sent)
    assert r.status_code == 400
    shown = field_values(r.text)
    assert shown["members"] == "60" and shown["understood"] == "on"
    assert re.search(r'<input id="members"[^>]*aria-invalid="true"', r.text)
    r = await web.post("/login", data={"email": "who@example.org", "password": "wrong"})
    assert r.status_code in (400, 401, 403) and field_values(r.text)["email"] == "who@example.org"


async def make_ready_again(admin: Web, election_id: str) -> None:
    """Back to draft, then the roll and a recorded ceremony (as ``make_ready`` does)."""
    sent = {"target": "draft", "reason": "roll first", "understood": "yes"}
    assert (
        await admin.post(f"/committee/elections/{election_id}/state", data=sent)
    ).status_code == 303
    await make_ready(admin, election_id)


async def test_challenge_decision_keeps_its_values(
    app: Litestar, admin: Web, web: Web, captured_tokens: dict[int, str]
) -> None:
    counted = await open_counted_election(app, admin, captured_tokens, objection_days=0)
    try:
        page = f"/committee/elections/{counted.id}"
        await cast(web, counted, "C001", YES)
        await cast(web, counted, "C002", NO)
        await cast(web, counted, "X001", YES)
        closing = {"target": "closed", "members": "9", "understood": "yes"}
        assert (await admin.post(page + "/state", data=closing)).status_code == 303
        assert (await admin.post(page + "/tally", data={"understood": "yes"})).status_code == 200
        for trustee in counted.trustees[:2]:
            assert (await trustee.decrypt(counted)).status_code == 200
        found: Any = (await admin.get(f"/api/elections/{counted.id}/challenges")).json()
        (cid,) = [c["id"] for c in found["challenges"]]
        r = await admin.post(
            page + f"/challenges/{cid}", data={"decision": "overruled", "reason": ""}
        )
        assert r.status_code == 400
        shown = field_values(r.text)
        assert shown["decision"] == "overruled"
        assert re.search(rf'<input id="reason-{cid}"[^>]*aria-invalid="true"', r.text)
        r = await admin.post(
            page + f"/challenges/{cid}", data={"decision": "perhaps", "reason": "on the roll"}
        )
        assert r.status_code == 400 and field_values(r.text)["reason"] == "on the roll"
        assert re.search(rf'<select id="decision-{cid}"[^>]*aria-invalid="true"', r.text)
    finally:
        for t in counted.trustees:
            await t.web.client.aclose()


async def test_set_up_checklist_forms_keep_their_values(admin: Web) -> None:
    """The test-message and notice forms (issue 13's set-up checklist)."""
    election_id = await create_draft(admin)
    url = f"/committee/elections/{election_id}"
    sent = {"address": "nobody", "language": "ko"}
    r = await admin.post(url + "/test-message", data=sent)
    assert r.status_code == 400, r.text[:300]
    assert_kept(r.text, sent, "test-address")
    notice = {"posted_on": "2026-04-30", "place": "Break-room board, Gate 3"}
    for field, name, bad in (
        ("notice-date", "posted_on", "2026-13-40"),
        ("notice-date", "posted_on", "2099-01-01"),
        ("notice-place", "place", " "),
    ):
        sent = {**notice, name: bad}
        r = await admin.post(url + "/notice", data=sent)
        assert r.status_code == 400, (name, r.text[:300])
        assert_kept(r.text, sent, field)
