"""The committed roll as the service writes it (PROTOCOL 11.8): aliases drawn at opening,
named by every ballot, reissue / revocation / late-member entries, invitations, the look-up."""

from __future__ import annotations

import json
import re
from typing import Any

from litestar import Litestar
from sqlalchemy import select

from ballot.mail.outbox import OutboxMessage
from ballot.record.aliases import is_alias
from ballot.record.board import BoardEntry, verify_chain
from ballot.store.board import board_entries, to_entry
from ballot.store.models import Election, Voter
from tests.support.asgi import Web
from tests.support.elections import CastElection


async def cast(web: Web, token: str, ballot: Any) -> Any:
    return await web.client.post("/api/cast", json={"token": token, "ballot": ballot})


async def board(app: Litestar, election_id: str) -> list[BoardEntry]:
    async with app.state.session_factory() as db:
        return [to_entry(r) for r in await board_entries(db, election_id)]


async def aliases(app: Litestar, election_id: str) -> dict[str, str]:
    """member id -> alias, from the roll's rows (what only the server knows)."""
    async with app.state.session_factory() as db:
        rows = await db.execute(
            select(Voter.member_id, Voter.alias).where(Voter.election_id == election_id)
        )
        return {m: a for m, a in rows.all()}


def of_kind(entries: list[BoardEntry], kind: str) -> list[BoardEntry]:
    return [e for e in entries if e.kind == kind]


async def test_opening_commits_the_roll_as_aliases_and_binds_the_board_key(
    app: Litestar, cast_election: CastElection
) -> None:
    entries = await board(app, cast_election.id)
    definition = entries[0].payload["definition"]
    assert definition["board_key"] == {
        "algorithm": "ed25519",
        "public_key": app.state.secrets.board_key.public_hex,
    }
    (roll,) = of_kind(entries, "roll.frozen")
    held = await aliases(app, cast_election.id)
    assert all(is_alias(a) for a in held.values()) and len(set(held.values())) == 6
    assert roll.payload == {"eligible": 6, "aliases": sorted(held.values())}
    async with app.state.session_factory() as db:
        election = await db.get(Election, cast_election.id)
    assert election is not None and election.eligible_count == 6


async def test_each_invitation_shows_the_members_alias_and_the_fingerprint(
    app: Litestar, cast_election: CastElection
) -> None:
    held = await aliases(app, cast_election.id)
    async with app.state.session_factory() as db:
        mails = list(await db.scalars(select(OutboxMessage)))
        emails = {
            v.id: v.member_id
            for v in await db.scalars(select(Voter).where(Voter.election_id == cast_election.id))
        }
    assert len(mails) == 6
    grouped = " ".join(cast_election.fingerprint.hex()[i : i + 4] for i in range(0, 64, 4))
    for mail in mails:
        member = emails[int(mail.voter_ref)]
        for body in (mail.body_text, mail.body_html or ""):
            assert held[member] in body, (member, mail.language)
            assert f"/board/{cast_election.id}/alias" in body
            assert grouped in body
            assert "UUUUU-UUUUU" not in body
        others = set(held.values()) - {held[member]}
        assert not any(a in mail.body_text for a in others)
    korean = next(m for m in mails if emails[int(m.voter_ref)] == "K001")
    assert "공개 게시판" in korean.body_text  # translated, not English


async def test_every_ballot_names_its_members_alias(
    app: Litestar, web: Web, cast_election: CastElection
) -> None:
    held = await aliases(app, cast_election.id)
    for member in ("K001", "K005"):  # K005 is challenged
        r = await cast(web, cast_election.links[member], cast_election.ballot_json(0))
        assert r.status_code == 201, r.text
        assert r.json()["alias"] == held[member]
    entries = await board(app, cast_election.id)
    verify_chain(entries)
    named = {e.kind: e.payload["alias"] for e in entries if e.kind.startswith("ballot.")}
    assert named == {"ballot.cast": held["K001"], "ballot.challenged": held["K005"]}


async def test_reissue_and_revocation_are_public_entries_on_the_alias(
    app: Litestar, admin: Web, cast_election: CastElection
) -> None:
    held = await aliases(app, cast_election.id)
    base = f"/api/elections/{cast_election.id}/voters"
    assert (await admin.post(f"{base}/K002/revoke", json={})).status_code == 200
    assert (await admin.post(f"{base}/K002/reissue")).status_code == 200
    r = await admin.post(f"{base}/K003/revoke", json={"voted_on_paper": True})
    assert r.status_code == 200
    r = await admin.post(f"{base}/K003/reissue")  # a paper voter gets no new link
    assert r.status_code == 409
    entries = await board(app, cast_election.id)
    events = [(e.kind, e.payload) for e in entries if e.kind.startswith("link.")]
    assert events == [
        ("link.revoked", {"alias": held["K002"], "voted_on_paper": False}),
        ("link.reissued", {"alias": held["K002"]}),
        ("link.revoked", {"alias": held["K003"], "voted_on_paper": True}),
    ]
    text = json.dumps([e.payload for e in entries])
    assert "K002" not in text and "ana@example.org" not in text


async def test_a_late_member_gets_a_new_public_alias_a_link_and_an_invitation(
    app: Litestar, admin: Web, web: Web, cast_election: CastElection
) -> None:
    member = {
        "member_id": "K007",
        "name": "Gil Moreno",
        "email": "gil@example.org",
        "language": "es",
        "unit": "East",
    }
    r = await admin.post(f"/api/elections/{cast_election.id}/roll/late", json=member)
    assert r.status_code == 201, r.text
    assert r.json() == {"added": "K007", "eligible": 7}
    held = await aliases(app, cast_election.id)
    assert is_alias(held["K007"]) and len(set(held.values())) == 7
    entries = await board(app, cast_election.id)
    (added,) = of_kind(entries, "roll.added")
    assert added.payload == {"alias": held["K007"]}
    async with app.state.session_factory() as db:
        mail = await db.scalar(
            select(OutboxMessage).where(OutboxMessage.to_address == "gil@example.org")
        )
    assert mail is not None and held["K007"] in mail.body_text

    again = await admin.post(f"/api/elections/{cast_election.id}/roll/late", json=member)
    assert again.status_code == 422
    assert "already on the roll" in again.text
    bad = await admin.post(
        f"/api/elections/{cast_election.id}/roll/late", json={**member, "colour": "red"}
    )
    assert bad.status_code == 422 and "colour" in bad.text
    empty = await admin.post(f"/api/elections/{cast_election.id}/roll/late", json={})
    assert empty.status_code == 422 and "member_id" in empty.text
    assert len(of_kind(await board(app, cast_election.id), "roll.added")) == 1


async def test_a_late_member_is_refused_before_opening(admin: Web) -> None:
    from tests.support.asgi import create_draft

    election_id = await create_draft(admin)
    member = {"member_id": "X1", "name": "X", "email": "x@example.org", "language": "en"}
    r = await admin.post(f"/api/elections/{election_id}/roll/late", json=member)
    assert r.status_code == 409 and "open" in r.json()["error"]


async def test_the_alias_look_up_answers_from_the_board(
    app: Litestar, web: Web, admin: Web, cast_election: CastElection
) -> None:
    held = await aliases(app, cast_election.id)
    url = f"/api/elections/{cast_election.id}/aliases"
    r = await web.get(f"{url}/{held['K004']}")
    assert r.status_code == 200
    assert r.json() == {"alias": held["K004"], "on_roll": True, "ballot": None, "events": []}

    receipt = (await cast(web, cast_election.links["K004"], cast_election.ballot_json(1))).json()
    typed = held["K004"].lower().replace("-", " ").replace("0", "o")  # as someone might type it
    found = (await web.get(f"{url}/{typed}")).json()
    assert found["ballot"]["tracker"] == receipt["tracker"]
    assert found["ballot"]["tracker_short"] == receipt["tracker_short"]
    assert found["ballot"]["seq"] == receipt["seq"] and found["ballot"]["challenged"] is False

    await admin.post(f"/api/elections/{cast_election.id}/voters/K006/revoke", json={})
    events = (await web.get(f"{url}/{held['K006']}")).json()["events"]
    assert [(e["event"], e["voted_on_paper"]) for e in events] == [("revoked", False)]

    assert (await web.get(f"{url}/no-such-thing")).status_code == 400
    unknown = "ZZZZZ-ZZZZZ" if "ZZZZZ-ZZZZZ" not in held.values() else "YYYYY-YYYYY"
    assert (await web.get(f"{url}/{unknown}")).status_code == 404


async def test_the_alias_page_says_what_the_board_holds(
    app: Litestar, web: Web, cast_election: CastElection
) -> None:
    held = await aliases(app, cast_election.id)
    page = f"/board/{cast_election.id}/alias"
    r = await web.get(page, params={"alias": held["K003"]})
    assert r.status_code == 200 and 'id="alias-no-ballot"' in r.text
    await cast(web, cast_election.links["K003"], cast_election.ballot_json(0))
    r = await web.get(page, params={"alias": held["K003"], "lang": "ko"})
    assert 'id="alias-ballot"' in r.text and 'lang="ko"' in r.text
    # When the ballot was recorded, in words (the page once printed an empty date and time).
    recorded = re.search(r"<p>([^<]*)에 기록되어 게시판의 \d+번 위치에 있습니다", r.text)
    assert recorded is not None and re.search(r"\d{4}", recorded.group(1)), recorded
    r = await web.get(page, params={"alias": "<script>"})
    assert "<script>" not in r.text and "&lt;script&gt;" in r.text
    board_page = await web.get(f"/board/{cast_election.id}")
    assert f'href="/board/{cast_election.id}/alias?lang=' in board_page.text
