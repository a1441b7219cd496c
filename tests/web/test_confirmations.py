"""Every irreversible step of the committee's pages confirms on its own page (issue 13).

Each confirmation page states the step's consequences in figures read from the database
when it is drawn (a roll of nine members, some of whom have voted); a POST without the
deliberate gesture (the ticked box, and for opening and closing the number of members
typed) is refused with a 400 and changes nothing; with it the step is taken and the
activity log says who confirmed it and what the page showed; a step impossible in the
election's state says why instead of offering a button.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar

from ballot.store.activity import activity_entries
from tests.tally.conftest import NO, YES, CountedElection, cast, open_counted_election

from .helpers import Web, create_draft, make_ready

TICK = {"understood": "yes"}


@pytest.fixture
async def counted(
    app: Litestar, admin: Web, captured_tokens: dict[int, str]
) -> AsyncIterator[CountedElection]:
    """Nine members (three challenged), a 2-of-3 key, open; no objection period."""
    election = await open_counted_election(app, admin, captured_tokens, objection_days=0)
    yield election
    for t in election.trustees:
        await t.web.client.aclose()


def text_of(page: str) -> str:
    """The page's visible words, tags dropped and spaces folded, for asserting sentences."""
    inline = re.sub(r"</?(?:span|strong|a|code|em)\b[^>]*>", "", page)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline)).split())


async def state_of(admin: Web, election_id: str) -> str:
    return str((await admin.get(f"/api/elections/{election_id}")).json()["state"])


async def confirmations(app: Litestar, election_id: str) -> list[dict[str, Any]]:
    """The activity log's confirmed steps for the election: actor, step and figures."""
    async with app.state.session_factory() as db:
        rows = await activity_entries(db)
    return [
        {"actor": r.actor, **{k: v for k, v in json.loads(r.detail).items() if k != "election"}}
        for r in rows
        if r.action == "step_confirmed" and r.election_id == election_id
    ]


async def board_kinds(admin: Web, election_id: str) -> list[str]:
    entries = (await admin.get(f"/api/elections/{election_id}/board")).json()["entries"]
    return [e["kind"] for e in entries]


async def test_opening_states_members_languages_and_closing_time(app: Litestar, admin: Web) -> None:
    election_id = await create_draft(
        admin, time_zone="America/Los_Angeles", closes_at="2026-05-09T17:00:00Z"
    )
    await make_ready(admin, election_id)  # six members: four in English, two in Spanish
    page = f"/committee/elections/{election_id}"
    r = await admin.get(page + "/confirm/open")
    assert r.status_code == 200, r.text
    words = text_of(r.text)
    assert "This e-mails 6 members their voting links now." in words
    assert "In 2 languages: English: 4 Español: 2" in words
    assert "Voting closes on Sat, May 9, 2026, 10:00 AM PDT." in words
    assert "Type the number of members on the roll (6) to confirm" in words
    assert 'class="danger"' in r.text and "Open voting now" in words

    before = await board_kinds(admin, election_id)
    for sent in ({}, {"members": "6"}, {**TICK}, {**TICK, "members": "5"}):
        r = await admin.post(page + "/state", data={"target": "open", **sent})
        assert r.status_code == 400, (sent, r.text[:300])
        assert "Nothing was done" in r.text
        assert await state_of(admin, election_id) == "ready"
    assert await board_kinds(admin, election_id) == before  # nothing went on the board
    assert (await admin.get(page)).text.count("None issued yet") == 1  # no link was issued
    assert await confirmations(app, election_id) == []

    r = await admin.post(page + "/state", data={"target": "open", "members": " 6 ", **TICK})
    assert r.status_code == 303, r.text
    assert await state_of(admin, election_id) == "open"
    (logged,) = await confirmations(app, election_id)
    assert logged["actor"] == "account:admin@example.org"
    assert logged["step"] == "open" and logged["members"] == 6


async def test_closing_counts_who_has_not_voted(
    app: Litestar, admin: Web, web: Web, counted: CountedElection
) -> None:
    page = f"/committee/elections/{counted.id}"
    await cast(web, counted, "C001", YES)
    await cast(web, counted, "C002", NO)
    await cast(web, counted, "X001", YES)  # challenged
    words = text_of((await admin.get(page + "/confirm/close")).text)
    assert "Voting ends for everyone now" in words
    assert "6 of 9 members have not voted." in words
    assert "The board holds 3 ballots. 1 of them is challenged and stays sealed." in words

    r = await admin.post(page + "/state", data={"target": "closed", "members": "9"})
    assert r.status_code == 400 and "tick the box" in r.text
    r = await admin.post(page + "/state", data={"target": "closed", **TICK})
    assert r.status_code == 400 and "type the number of members on the roll, 9" in r.text
    assert 'id="members"' in r.text and 'aria-invalid="true"' in r.text
    assert await state_of(admin, counted.id) == "open"
    await cast(web, counted, "C003", YES)  # voting still works

    r = await admin.post(page + "/state", data={"target": "closed", "members": "9", **TICK})
    assert r.status_code == 303
    assert await state_of(admin, counted.id) == "closed"
    (logged,) = await confirmations(app, counted.id)
    assert logged == {
        "actor": "account:admin@example.org",
        "step": "close",
        "members": 9,
        "voted": 4,
        "not_voted": 5,
        "cast": 3,
        "challenged": 1,
    }


async def test_tally_and_certify_confirm_then_act(
    app: Litestar, admin: Web, web: Web, counted: CountedElection
) -> None:
    page = f"/committee/elections/{counted.id}"
    await cast(web, counted, "C001", YES)
    await cast(web, counted, "C002", YES)
    await cast(web, counted, "X001", NO)
    r = await admin.get(page + "/confirm/tally")
    assert r.status_code == 409 and "Open for voting" in text_of(r.text)  # not closed yet
    assert "Take the tally for round" not in r.text
    r = await admin.post(page + "/state", data={"target": "closed", "members": "9", **TICK})
    assert r.status_code == 303

    words = text_of((await admin.get(page + "/confirm/tally")).text)
    assert "The tally for round 1 adds up 2 ballots." in words
    assert "1 challenged ballot stays sealed and set aside." in words
    assert "Then 2 of the trustees must decrypt it." in words
    r = await admin.post(page + "/tally")
    assert r.status_code == 400
    assert "tally.encrypted" not in await board_kinds(admin, counted.id)
    r = await admin.post(page + "/tally", data=TICK)
    assert r.status_code == 200 and "The tally for round 1 is taken" in r.text
    r = await admin.get(page + "/confirm/tally")
    assert r.status_code == 409
    assert "already taken and awaits the trustees' decryptions" in html.unescape(r.text)
    r = await admin.post(page + "/tally", data=TICK)
    assert r.status_code == 409  # still refused with the confirmation
    assert (await board_kinds(admin, counted.id)).count("tally.encrypted") == 1
    for trustee in counted.trustees[:2]:
        assert (await trustee.decrypt(counted)).status_code == 200

    assert await state_of(admin, counted.id) == "tallied"
    words = text_of((await admin.get(page + "/confirm/certify")).text)
    assert "The result becomes final; nothing but notes can be added to the board." in words
    assert "The objection period ended on" in words
    r = await admin.post(page + "/certify", data={"reason": "no objections were filed"})
    assert r.status_code == 400 and await state_of(admin, counted.id) == "tallied"
    r = await admin.post(page + "/certify", data={"reason": "", **TICK})  # the reason is needed
    assert r.status_code == 400
    assert re.search(r'<input id="certify-reason"[^>]*aria-invalid="true"', r.text)
    r = await admin.post(page + "/certify", data={"reason": "no objections were filed", **TICK})
    assert r.status_code == 200 and "The result is certified" in r.text
    assert await state_of(admin, counted.id) == "certified"
    steps = [(c["step"], c.get("round")) for c in await confirmations(app, counted.id)]
    assert steps == [("close", None), ("tally", 1), ("certify", 1)]
    r = await admin.get(page + "/confirm/certify")
    assert r.status_code == 409 and "A certified result is final." in text_of(r.text)


async def test_key_ceremony_and_withdrawal_confirm(app: Litestar, admin: Web) -> None:
    election_id = await create_draft(admin, trustees={"n": 3, "k": 2})
    page = f"/committee/elections/{election_id}"
    words = text_of((await admin.get(page + "/confirm/start-ceremony")).text)
    assert "The definition is frozen: its 1 question and its options" in words
    assert "Its texts are fixed as they are now, in 2 languages." in words
    assert "3 trustees must each make their part of the election key." in words
    assert "2 of them will be needed to decrypt the tally." in words
    r = await admin.post(page + "/state", data={"target": "key_ceremony"})
    assert r.status_code == 400 and await state_of(admin, election_id) == "draft"
    assert await board_kinds(admin, election_id) == []
    r = await admin.post(page + "/state", data={"target": "key_ceremony", **TICK})
    assert r.status_code == 303 and await state_of(admin, election_id) == "key_ceremony"

    words = text_of((await admin.get(page + "/confirm/back-to-draft")).text)
    assert "3 trustees must hold the key ceremony again." in words
    r = await admin.post(page + "/state", data={"target": "draft", "reason": "option order"})
    assert r.status_code == 400 and await state_of(admin, election_id) == "key_ceremony"
    assert 'value="option order"' in r.text  # the reason typed is kept
    r = await admin.post(
        page + "/state", data={"target": "draft", "reason": "option order", **TICK}
    )
    assert r.status_code == 303 and await state_of(admin, election_id) == "draft"
    assert (await board_kinds(admin, election_id))[-1] == "election.withdrawn"
    assert [c["step"] for c in await confirmations(app, election_id)] == [
        "start-ceremony",
        "back-to-draft",
    ]
    # 1 of 1 is warned about.
    one = await create_draft(admin, trustees={"n": 1, "k": 1})
    r = await admin.get(f"/committee/elections/{one}/confirm/start-ceremony")
    assert "that one trustee alone could decrypt the tally" in r.text


async def test_impossible_steps_say_why_and_change_nothing(admin: Web) -> None:
    election_id = await create_draft(admin, title={"en": "Vote"}, instructions={"en": "Choose."})
    page = f"/committee/elections/{election_id}"
    r = await admin.get(page + "/confirm/close")
    assert r.status_code == 409
    words = text_of(r.text)
    assert "This step is not possible now" in words
    assert "It can be taken only when the election is: Open for voting." in words
    assert "Close voting now" not in words and 'name="understood"' not in r.text
    r = await admin.post(page + "/state", data={"target": "closed", "members": "0", **TICK})
    assert r.status_code == 409 and await state_of(admin, election_id) == "draft"
    r = await admin.get(page + "/confirm/open")
    assert r.status_code == 409 and "Ready, not open yet" in text_of(r.text)
    r = await admin.get(page + "/confirm/nowhere")
    assert r.status_code == 404

    # A Spanish member on the roll, no Spanish texts: the ceremony cannot start.
    roll = "member_id,name,email,language,unit,challenged\nS1,Ana,ana@example.org,es,North,\n"
    assert (await admin.post(f"/api/elections/{election_id}/roll", content=roll)).status_code == 200
    r = await admin.get(page + "/confirm/start-ceremony")
    assert r.status_code == 409
    assert "Texts are missing for languages on the roll: Español. Add them first." in text_of(
        r.text
    )
    r = await admin.post(page + "/state", data={"target": "key_ceremony", **TICK})
    assert r.status_code == 409 and await state_of(admin, election_id) == "draft"


async def test_the_election_page_keeps_irreversible_steps_apart(admin: Web) -> None:
    election_id = await create_draft(admin)
    await make_ready(admin, election_id)
    r = await admin.get(f"/committee/elections/{election_id}")
    body = r.text
    region = body[body.index('<section class="irreversible"') :]
    region = region[: region.index("</section>")]
    assert f'href="/committee/elections/{election_id}/confirm/open?ui=en"' in region
    assert f'href="/committee/elections/{election_id}/confirm/back-to-draft?ui=en"' in region
    assert "<button" not in region and "<form" not in region  # links to pages, no acts
    assert "Move to" not in body and ">open<" not in body
    assert "Ready, not open yet" in body  # the state in words
    for public in ("", "/result", "/alias", "/verify"):
        link = f'href="/board/{election_id}{public}"'
        assert link in body and 'target="_blank"' not in body


async def test_withdrawing_a_link_confirms_on_its_own_page(
    app: Litestar, admin: Web, web: Web, counted: CountedElection
) -> None:
    page = f"/committee/elections/{counted.id}/members"
    await cast(web, counted, "C001", YES)
    member = (await admin.get(page + "/C003")).text
    assert f'href="/committee/elections/{counted.id}/members/C003/withdraw"' in member
    assert 'action="/committee/elections/' + counted.id + '/members/C003/withdraw"' not in member
    r = await admin.get(page + "/C003/withdraw")
    assert r.status_code == 200
    words = text_of(r.text)
    assert "Chen Wei can no longer vote online with any link they have." in words
    assert "members who have voted go from 1 to 2 of 9" in words
    r = await admin.post(page + "/C003/withdraw", data={"paper": "yes"})
    assert r.status_code == 400 and "tick the box" in r.text
    assert 'id="paper" name="paper" value="yes" checked' in r.text  # kept as sent
    assert (await web.get(f"/v/{counted.links['C003']}")).status_code == 200  # still works
    r = await admin.post(page + "/C003/withdraw", data={"paper": "yes", "confirm": "yes"})
    assert r.status_code == 200 and "withdrawn" in r.text
    assert (await web.get(f"/v/{counted.links['C003']}")).status_code == 404
    async with app.state.session_factory() as db:
        rows = await activity_entries(db)
    (revoked,) = [r for r in rows if r.action == "token_revoked"]
    assert revoked.actor == "account:admin@example.org"
    r = await admin.get(page + "/C003/withdraw")
    assert r.status_code == 409 and "already voted" in r.text
    assert "Withdraw the link</button>" not in r.text
