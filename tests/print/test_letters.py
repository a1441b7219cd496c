"""Printed letters over HTTP, on both engines: a member's letter in Korean and in Spanish
(their name, their link and the closing time in the election's zone, read back from the
PDF; the QR code decodes to the same link), the old link dead, the reissue public and
logged; a merged document for a selection, previewed first; every bad request a 4xx that
changes nothing; no token in any log."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import func, select, update

from ballot.election.refusal import Refused
from ballot.i18n import format_moment, gettext
from ballot.record.board import BoardEntry
from ballot.service import letters
from ballot.service.acting import Acting, get_election
from ballot.store.activity import activity_entries
from ballot.store.board import board_entries, to_entry
from ballot.store.models import Voter, VoterToken
from ballot.store.outbox import OutboxMessage
from ballot.store.tokens import hash_token
from tests.support.asgi import BASE, Web, member_links
from tests.support.elections import CastElection

from .helpers import ZONE, compact, open_election, pdf_pages, qr_codes

C = "/committee/elections"
CLOSES = datetime(2026, 5, 9, 17, 0, tzinfo=UTC)


@pytest.fixture
async def election(app: Litestar, admin: Web, captured_tokens: dict[int, str]) -> CastElection:
    return await open_election(app, admin, captured_tokens)


async def board(app: Litestar, election_id: str) -> list[BoardEntry]:
    async with app.state.session_factory() as db:
        return [to_entry(r) for r in await board_entries(db, election_id)]


async def snapshot(app: Litestar, election_id: str) -> tuple[Any, ...]:
    """Everything printing letters could change: links, the board, mail, the log."""
    async with app.state.session_factory() as db:
        links = sorted((t.voter_id, t.status) for t in await db.scalars(select(VoterToken)))
        entries = len(await board_entries(db, election_id))
        mail = await db.scalar(select(func.count()).select_from(OutboxMessage))
        log = len(await activity_entries(db))
    return links, entries, mail, log


async def cast(web: Web, election: CastElection, token: str) -> Any:
    return await web.client.post(
        "/api/cast", json={"token": token, "ballot": election.ballot_json(0)}
    )


async def print_letters(admin: Web, election_id: str, **form: str) -> Any:
    return await admin.post(f"{C}/{election_id}/letters", data={"confirm": "yes", **form})


@pytest.mark.parametrize(
    ("member", "name", "language"), [("K001", "김민준", "ko"), ("K002", "Ana López", "es")]
)
async def test_a_members_letter_in_their_language_reissues_their_link(
    app: Litestar,
    admin: Web,
    web: Web,
    election: CastElection,
    captured_tokens: dict[int, str],
    caplog: pytest.LogCaptureFixture,
    member: str,
    name: str,
    language: str,
) -> None:
    eid = election.id
    old = election.links[member]
    page = await admin.get(f"{C}/{eid}/letters?selection=member&member={member}")
    assert page.status_code == 200
    assert "This reissues 1 member's link; their old link stops working." in page.text
    caplog.set_level(logging.DEBUG)
    r = await print_letters(admin, eid, selection="member", member=member)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["cache-control"] == "no-store"
    assert "attachment" in r.headers["content-disposition"]
    new = (await member_links(app, eid, captured_tokens))[member]
    assert new != old
    link = f"{BASE}/v/{new}"

    (text,) = pdf_pages(r.content)  # one member, one page
    closes = format_moment(CLOSES, language, ZONE)
    for expected in (
        name,
        f"{BASE}/v",  # where the code is typed, and the code itself
        new,
        closes,
        gettext(language, "Keep this letter secret."),
        {"ko": "노동조합인정투표", "es": "Votacióndereconocimiento"}[language],
        {"ko": "직원노조선거관리위원회", "es": "ComitéElectoraldelSindicato"}[language],
        "+12135550100",
    ):
        assert compact(expected) in text, expected
    assert {"ko": "미 태평양 하계 표준시", "es": "hora de verano del Pacífico"}[
        language
    ] in closes  # the zone's name
    assert qr_codes(r.content) == [[link]]  # the code a phone scans is the same link

    # The old link is dead (casting with it is refused); the printed one votes.
    refused = await cast(web, election, old)
    assert refused.status_code == 410 and refused.json()["code"] == "link_replaced"
    assert (await cast(web, election, new)).status_code == 201

    # Public (the alias's link.reissued entry) and in the activity log; no token logged.
    async with app.state.session_factory() as db:
        voter = await db.scalar(select(Voter).where(Voter.member_id == member))
        assert voter is not None and voter.alias
        log = [(e.action, json.loads(e.detail)) for e in await activity_entries(db)]
    reissued = [e for e in await board(app, eid) if e.kind == "link.reissued"]
    assert [e.payload for e in reissued] == [{"alias": voter.alias}]
    assert ("letter_printed", {"election": eid, "member": member}) in log
    assert (
        "letters_printed",
        {"election": eid, "selection": "member", "unit": "", "count": 1},
    ) in log
    logged = caplog.text + json.dumps(log)
    assert new not in logged and old not in logged
    # Nothing on the server's disk holds the link: not the database (its hash only), not
    # any file in the server's folder.
    url = app.state.settings.database_url
    if url.startswith("sqlite"):
        database = Path(url.split("///", 1)[1])
        stored = b"".join(f.read_bytes() for f in database.parent.glob(database.name + "*"))
        assert new.encode() not in stored and hash_token(new).encode() in stored
    folder = app.state.settings.secret_key_file.parent
    for path in folder.rglob("*"):
        assert not path.is_file() or new.encode() not in path.read_bytes(), path


async def test_a_selection_is_previewed_then_printed_as_one_document(
    app: Litestar, admin: Web, web: Web, election: CastElection, captured_tokens: dict[int, str]
) -> None:
    eid = election.id
    # A member the committee cannot reach (their roll row lost its address; the roll keeps
    # one address per member, so one such row here), and a member who has voted already.
    async with app.state.session_factory() as db:
        await db.execute(update(Voter).where(Voter.member_id == "K003").values(email=""))
        await db.commit()
    assert (await cast(web, election, election.links["K005"])).status_code == 201

    form = (await admin.get(f"{C}/{eid}/letters")).text
    assert "Members with no e-mail address or phone (1)" in form
    assert "Every member who has not voted yet (4)" in form
    preview = await admin.get(f"{C}/{eid}/letters?selection=all&unit=South")
    assert "This reissues 2 members' links; their old links stop working." in preview.text
    before = await snapshot(app, eid)
    unconfirmed = await admin.post(f"{C}/{eid}/letters", data={"selection": "unreachable"})
    assert unconfirmed.status_code == 400 and "tick the box" in unconfirmed.text
    assert await snapshot(app, eid) == before

    r = await print_letters(admin, eid, selection="unreachable")
    assert r.status_code == 200, r.text
    (page,) = pdf_pages(r.content)
    assert compact("Ben Carter") in page

    r = await print_letters(admin, eid, selection="all", unit="South")
    assert r.status_code == 200, r.text
    links = await member_links(app, eid, captured_tokens)
    pages = pdf_pages(r.content)
    assert len(pages) == 2
    assert compact("Ben Carter") in pages[0] and compact("Chen Wei") in pages[1]
    codes = qr_codes(r.content)
    assert codes == [[f"{BASE}/v/{links['K003']}"], [f"{BASE}/v/{links['K004']}"]]
    for member in ("K003", "K004"):
        assert (await cast(web, election, election.links[member])).status_code == 410

    r = await print_letters(admin, eid, selection="all")
    assert len(pdf_pages(r.content)) == 4  # everyone who can still vote (K005 has voted)
    # Printing again kills the previous letter's link too; the newest one votes.
    refused = await cast(web, election, links["K004"])
    assert refused.status_code == 410 and refused.json()["code"] == "link_replaced"
    newest = (await member_links(app, eid, captured_tokens))["K004"]
    assert (await cast(web, election, newest)).status_code == 201
    reissued = [e for e in await board(app, eid) if e.kind == "link.reissued"]
    assert len(reissued) == 1 + 2 + 4


async def test_bad_selections_and_wrong_states_are_4xx_and_change_nothing(
    app: Litestar, admin: Web, web: Web, election: CastElection
) -> None:
    eid = election.id
    assert (await cast(web, election, election.links["K005"])).status_code == 201
    before = await snapshot(app, eid)
    cases = [
        ({"selection": "everyone"}, 400),
        ({"selection": "member"}, 400),  # no member number
        ({"selection": "member", "member": "NOPE"}, 404),
        ({"selection": "member", "member": "K005"}, 409),  # already voted
        ({"selection": "all", "unit": "Nowhere"}, 409),  # nobody to print for
        ({"selection": "member", "member": "x" * 65}, 400),
    ]
    for form, status in cases:
        r = await print_letters(admin, eid, **form)
        assert r.status_code == status, (form, r.text)
        assert r.headers["content-type"].startswith("text/html")
        query = "&".join(f"{k}={v}" for k, v in form.items())
        assert (await admin.get(f"{C}/{eid}/letters?{query}")).status_code == status, form
    assert (await print_letters(admin, "nope", selection="all")).status_code == 404
    assert await snapshot(app, eid) == before

    # Only while voting is open: after the close the letters page says so, and prints nothing.
    r = await admin.post(f"/api/elections/{eid}/state", json={"target": "closed"})
    assert r.status_code == 200, r.text
    closed = await snapshot(app, eid)
    r = await print_letters(admin, eid, selection="all")
    assert r.status_code == 409 and "only while voting is open" in r.text
    assert (await admin.get(f"{C}/{eid}/letters")).status_code == 409
    assert await snapshot(app, eid) == closed


async def test_letters_are_for_admins(app: Litestar, web: Web, election: CastElection) -> None:
    assert (await web.get(f"{C}/{election.id}/letters")).status_code in (302, 303, 401, 403)
    r = await web.post(f"{C}/{election.id}/letters", data={"selection": "all", "confirm": "yes"})
    assert r.status_code in (302, 303, 401, 403)


async def test_a_selection_that_changes_while_the_letters_are_made_is_refused(
    app: Litestar, web: Web, election: CastElection
) -> None:
    """The letters are made before the reissues are written; a member who votes meanwhile
    makes the run refused whole (their letter would hold a link that can never work)."""
    eid = election.id
    chosen = letters.selection_of("all")
    async with app.state.session_factory() as db:
        plan = await letters.plan_letters(db, await get_election(db, eid), chosen)
    assert len(plan) == 5 and len({p.token for p in plan}) == 5
    assert (await cast(web, election, election.links["K003"])).status_code == 201
    before = await snapshot(app, eid)
    state = app.state
    ctx = Acting(state.settings, state.secrets.board_key, "test", state.clock())
    async with app.state.session_factory() as db:
        with pytest.raises(Refused) as refused:
            await letters.issue_letters(
                db, ctx, await get_election(db, eid, lock=True), chosen, plan
            )
        assert refused.value.code == "letters_stale"
        await db.rollback()
    assert await snapshot(app, eid) == before
    assert (await cast(web, election, election.links["K004"])).status_code == 201  # old link
