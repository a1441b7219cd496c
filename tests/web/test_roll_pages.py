"""The roll in the browser over HTTP, on both engines: search, filters and pages; a member
corrected before opening; resend, reissue and withdraw, each confirmed and logged; adding
a member; a roll file with a bad row fixed in the browser; the not-voted CSV.

Every bad input is a 4xx that changes nothing (the roll, the links and the outbox are
compared before and after).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from litestar import Litestar
from sqlalchemy import func, select

from ballot.store.activity import activity_entries
from ballot.store.models import Voter, VoterToken
from ballot.store.outbox import OutboxMessage

from .helpers import ROLL, OpenElection, Web, create_draft, member_links

C = "/committee/elections"


async def snapshot(app: Litestar, election_id: str) -> tuple[Any, ...]:
    """Everything an act on the roll could change: members, links, mail, the log."""
    async with app.state.session_factory() as db:
        voters = sorted(
            (v.member_id, v.name, v.email, v.language, v.unit, str(v.voted_at))
            for v in await db.scalars(select(Voter).where(Voter.election_id == election_id))
        )
        links = sorted((t.voter_id, t.status) for t in await db.scalars(select(VoterToken)))
        mail = await db.scalar(select(func.count()).select_from(OutboxMessage))
        log = len(await activity_entries(db))
    return voters, links, mail, log


async def actions(app: Litestar) -> list[tuple[str, dict[str, Any]]]:
    async with app.state.session_factory() as db:
        return [(r.action, json.loads(r.detail)) for r in await activity_entries(db)]


def big_roll(n: int) -> str:
    lines = ["member_id,name,email,language,unit,challenged"]
    lines += [f"B{i:04d},Member {i:04d},b{i}@example.org,en,U{i % 3},," for i in range(n)]
    return "\n".join(lines) + "\n"


async def draft_with_roll(admin: Web, roll: str = ROLL) -> str:
    election_id = await create_draft(admin)
    r = await admin.post(f"/api/elections/{election_id}/roll", content=roll.encode())
    assert r.status_code == 200, r.text
    return election_id


async def test_search_filters_and_pages(admin: Web) -> None:
    election_id = await draft_with_roll(admin)
    page = (await admin.get(f"{C}/{election_id}/members?q=ana")).text
    assert "Ana Lopez" in page and "Ben Carter" not in page
    assert "1 member matches." in page
    page = (await admin.get(f"{C}/{election_id}/members?unit=South")).text
    assert "3 members match." in page and "Chen Wei" in page and "Ana Lopez" not in page
    page = (await admin.get(f"{C}/{election_id}/members?language=es")).text
    assert "2 members match." in page
    page = (await admin.get(f"{C}/{election_id}/members?q=M004")).text  # member number
    assert "Dolores Ruiz" in page and "1 member matches." in page
    page = (await admin.get(f"{C}/{election_id}/members?link=none&voted=no")).text
    assert "6 members match." in page
    page = (await admin.get(f"{C}/{election_id}/members?q=%25")).text  # LIKE wildcard is text
    assert "0 members match." in page

    big = await draft_with_roll(admin, big_roll(120))
    first = (await admin.get(f"{C}/{big}/members")).text
    assert "120 members match." in first and "Page 1 of 3" in first
    assert first.count("<tr>") == 51  # header + 50 rows, never the whole table
    last = (await admin.get(f"{C}/{big}/members?page=3")).text
    assert "Page 3 of 3" in last and "Member 0119" in last and "Member 0000" not in last
    beyond = (await admin.get(f"{C}/{big}/members?page=99")).text
    assert "Page 3 of 3" in beyond


async def test_bad_filters_are_400_and_change_nothing(app: Litestar, admin: Web) -> None:
    election_id = await draft_with_roll(admin)
    before = await snapshot(app, election_id)
    for query in ("voted=maybe", "link=stolen", "language=xx", "page=0", "q=" + "a" * 201):
        r = await admin.get(f"{C}/{election_id}/members?{query}")
        assert r.status_code == 400, query
    r = await admin.get(f"{C}/{election_id}/members?page=abc")
    assert r.status_code == 400
    assert (await admin.get(f"{C}/nope/members")).status_code == 404
    assert (await admin.get(f"{C}/{election_id}/members/NOPE")).status_code == 404
    assert await snapshot(app, election_id) == before


async def test_correct_a_member_before_opening(app: Litestar, admin: Web) -> None:
    election_id = await draft_with_roll(admin)
    fields = {
        "name": "Ana López",
        "email": "ana.lopez@example.org",
        "language": "ko",
        "unit": "West",
    }
    r = await admin.post(f"{C}/{election_id}/members/M001", data=fields)
    assert r.status_code == 200 and "entry is corrected." in r.text
    async with app.state.session_factory() as db:
        ana = await db.scalar(select(Voter).where(Voter.member_id == "M001"))
        assert ana is not None
        assert (ana.name, ana.email, ana.language, ana.unit) == (
            "Ana López",
            "ana.lopez@example.org",
            "ko",
            "West",
        )
    assert (
        "voter_corrected",
        {
            "election": election_id,
            "member": "M001",
            "fields": ["email", "language", "name", "unit"],
        },
    ) in await actions(app)
    before = await snapshot(app, election_id)
    for bad in ({"email": "not an address"}, {"language": "klingon"}, {"email": "ben@example.org"}):
        r = await admin.post(f"{C}/{election_id}/members/M001", data={**fields, **bad})
        assert r.status_code == 422, bad
        assert f'value="{bad.get("email", fields["email"])}"' in r.text or "klingon" in str(bad)
    assert await snapshot(app, election_id) == before


async def test_resend_reissue_withdraw_confirmed_and_logged(
    app: Litestar,
    admin: Web,
    web: Web,
    open_election: OpenElection,
    captured_tokens: dict[int, str],
) -> None:
    eid = open_election.id
    before = await snapshot(app, eid)
    for act in ("resend", "reissue", "withdraw"):
        r = await admin.post(f"{C}/{eid}/members/M003/{act}", data={})
        assert r.status_code == 400 and "tick the box" in r.text
    r = await admin.post(
        f"{C}/{eid}/members/M003",
        data={"name": "X", "email": "x@example.org", "language": "en", "unit": ""},
    )
    assert r.status_code == 409  # the roll is frozen once voting opens
    assert await snapshot(app, eid) == before

    old = open_election.links["M003"]
    r = await admin.post(f"{C}/{eid}/members/M003/resend", data={"confirm": "yes"})
    assert r.status_code == 200 and "new link is on its way" in r.text
    resent = (await member_links(app, eid, captured_tokens))["M003"]
    assert resent != old and (await web.get(f"/v/{old}")).status_code == 404
    assert (await web.get(f"/v/{resent}")).status_code == 200

    r = await admin.post(
        f"{C}/{eid}/members/M003/reissue", data={"confirm": "yes", "email": "chen.new@example.org"}
    )
    assert r.status_code == 200, r.text
    reissued = (await member_links(app, eid, captured_tokens))["M003"]
    assert (await web.get(f"/v/{resent}")).status_code == 404
    async with app.state.session_factory() as db:
        chen = await db.scalar(select(Voter).where(Voter.member_id == "M003"))
        assert chen is not None and chen.email == "chen.new@example.org"
        last = await db.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(1))
        assert last is not None and last.to_address == "chen.new@example.org"
    r = await admin.post(
        f"{C}/{eid}/members/M003/reissue", data={"confirm": "yes", "email": "ben@example.org"}
    )
    assert r.status_code == 400  # another member's address: nothing changes
    assert (await web.get(f"/v/{reissued}")).status_code == 200

    r = await admin.post(
        f"{C}/{eid}/members/M003/withdraw", data={"confirm": "yes", "paper": "yes"}
    )
    assert r.status_code == 200 and "withdrawn" in r.text
    assert (await web.get(f"/v/{reissued}")).status_code == 404
    after = await snapshot(app, eid)
    r = await admin.post(f"{C}/{eid}/members/M003/resend", data={"confirm": "yes"})
    assert r.status_code == 409  # voted on paper: no link any more
    assert await snapshot(app, eid) == after
    done = [a for a, d in await actions(app) if d.get("member") == "M003"]
    assert done == ["token_reissued", "voter_address_changed", "token_reissued", "token_revoked"]


async def test_add_a_member_before_opening_and_late(
    app: Litestar, admin: Web, open_election: OpenElection
) -> None:
    election_id = await draft_with_roll(admin)
    new = {
        "member_id": "M100",
        "name": "Gil Moreno",
        "email": "gil@example.org",
        "language": "es",
        "unit": "North",
    }
    r = await admin.post(f"{C}/{election_id}/add-member", data=new)
    assert r.status_code == 303 and r.headers["location"].endswith("/members/M100")
    assert ("voter_added", {"election": election_id, "member": "M100"}) in await actions(app)
    before = await snapshot(app, election_id)
    again = {**new, "member_id": "M101"}  # same address: refused, the form keeps every value
    r = await admin.post(f"{C}/{election_id}/add-member", data=again)
    assert r.status_code == 422 and 'value="M101"' in r.text and 'value="Gil Moreno"' in r.text
    r = await admin.post(f"{C}/{election_id}/add-member", data={**new, "member_id": ""})
    assert r.status_code == 422
    assert await snapshot(app, election_id) == before

    # After opening a member is a late member: the board commits a new alias in public.
    r = await admin.post(f"{C}/{open_election.id}/add-member", data=new)
    assert r.status_code == 303 and r.headers["location"].endswith("/members/M100")
    board = await admin.get(f"/api/elections/{open_election.id}/board/entries")
    kinds = [e["kind"] for e in board.json()["entries"]]
    assert kinds[-1] == "roll.added", kinds[-3:]


async def upload(admin: Web, election_id: str, text: str) -> Any:
    return await admin.post(
        f"{C}/{election_id}/roll-import",
        files={"roll": ("roll.csv", text.encode(), "text/csv")},
    )


async def test_bad_row_never_half_imports_and_is_fixed_in_the_browser(
    app: Litestar, admin: Web
) -> None:
    election_id = await create_draft(admin)
    bad = ROLL.replace("chen@example.org", "chen at example").replace(",East,", ",East,maybe")
    r = await upload(admin, election_id, bad)
    assert r.status_code == 422 and "Nothing was imported" in r.text
    assert 'value="chen at example"' in r.text and "Line 4" in r.text and "Line 7" in r.text
    # The wrong cell says so at the field (the others do not).
    assert (
        'id="cell-4-2" name="cell-4-2" value="chen at example" aria-invalid="true" '
        'aria-describedby="cell-4-2-error"' in r.text
    )
    assert "is not an email address" in r.text.split('id="cell-4-2-error">')[1].split("</p>")[0]
    assert 'id="cell-4-1" name="cell-4-1" value="Chen Wei">' in r.text
    async with app.state.session_factory() as db:
        assert await db.scalar(select(func.count()).select_from(Voter)) == 0
    draft = int(r.text.split("/roll-import/")[1].split('"')[0])
    form = {"lines": "4,7", "drop-7": "yes"}
    form.update(
        {
            f"cell-4-{i}": v
            for i, v in enumerate(["M003", "Chen Wei", "chen@example.org", "en", "South", ""])
        }
    )
    r = await admin.post(f"{C}/{election_id}/roll-import/{draft}", data=form)
    assert r.status_code == 200 and "5 members were added to the roll." in r.text
    async with app.state.session_factory() as db:
        ids = set(await db.scalars(select(Voter.member_id)))
    assert ids == {"M001", "M002", "M003", "M004", "M005"}
    r = await admin.post(f"{C}/{election_id}/roll-import/{draft}", data=form)
    assert r.status_code == 404  # the draft is gone once imported
    r = await admin.post(
        f"{C}/{election_id}/roll-import", files={"roll": ("r.csv", b"\xff\xfe", "text/csv")}
    )
    assert r.status_code == 400


async def test_not_voted_csv_is_safe_from_formulas(
    app: Litestar, admin: Web, open_election: OpenElection, observer_names: Web
) -> None:
    eid = open_election.id
    async with app.state.session_factory() as db:
        ben = await db.scalar(select(Voter).where(Voter.member_id == "M002"))
        assert ben is not None
        ben.name, ben.unit = '=HYPERLINK("http://evil")', "+1"
        fay = await db.scalar(select(Voter).where(Voter.member_id == "M006"))
        assert fay is not None
        fay.name, fay.unit = "@SUM(A1)", "-2"
        await db.commit()
    r = await admin.post(
        f"{C}/{eid}/members/M001/withdraw", data={"confirm": "yes", "paper": "yes"}
    )
    assert r.status_code == 200
    r = await admin.get(f"{C}/{eid}/not-voted.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["member_id", "name", "email", "language", "unit", "phone"]
    by_id = {row[0]: row for row in rows[1:]}
    assert set(by_id) == {"M002", "M003", "M004", "M005", "M006"}  # M001 voted on paper
    assert by_id["M002"][1] == '\'=HYPERLINK("http://evil")' and by_id["M002"][4] == "'+1"
    assert by_id["M006"][1] == "'@SUM(A1)" and by_id["M006"][4] == "'-2"
    assert ("not_voted_list_downloaded", {"election": eid}) in await actions(app)
    assert (await observer_names.get(f"{C}/{eid}/not-voted.csv")).status_code == 403
