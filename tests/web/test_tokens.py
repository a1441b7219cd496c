"""One-time voter tokens over HTTP: issue at opening, the voter page, reissue, revoke, expiry."""

from __future__ import annotations

import asyncio

from litestar import Litestar
from sqlalchemy import func, select

from ballot.store import tokens as token_store
from ballot.store.models import VoterToken

from .helpers import OpenElection, Web, member_links


async def statuses(app: Litestar, election_id: str) -> dict[str, int]:
    async with app.state.session_factory() as db:
        return await token_store.token_counts(db, election_id)


async def test_opening_issues_one_hashed_token_per_member(
    app: Litestar, open_election: OpenElection
) -> None:
    assert await statuses(app, open_election.id) == {"active": 6}
    assert len(open_election.links) == 6
    async with app.state.session_factory() as db:
        hashes = set(await db.scalars(select(VoterToken.token_hash)))
        assert await db.scalar(select(func.count()).select_from(VoterToken)) == 6
    for token in open_election.links.values():
        assert len(token) >= 43  # 32 random bytes, url-safe base64
        assert token not in hashes and token_store.hash_token(token) in hashes


async def test_voter_page_in_the_voters_language_and_get_never_consumes(
    app: Litestar, web: Web, open_election: OpenElection
) -> None:
    link = f"/v/{open_election.links['M001']}"  # Ana votes in Spanish
    for _ in range(2):
        r = await web.get(link)
        assert r.status_code == 200
        assert 'lang="es"' in r.text and "Votación de reconocimiento" in r.text
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"
    assert await statuses(app, open_election.id) == {"active": 6}
    r = await web.get(f"/v/{open_election.links['M002']}")
    assert 'lang="en"' in r.text and "You can vote in: Recognition vote" in r.text


async def test_unknown_token_reads_as_invalid(web: Web, open_election: OpenElection) -> None:
    r = await web.get("/v/not-a-real-token")
    assert r.status_code == 404 and "not valid" in r.text
    r = await web.get("/v/" + "x" * 500)
    assert r.status_code == 404


async def test_reissue_kills_the_old_token(
    app: Litestar,
    admin: Web,
    web: Web,
    open_election: OpenElection,
    captured_tokens: dict[int, str],
) -> None:
    old = open_election.links["M003"]
    r = await admin.post(f"/api/elections/{open_election.id}/voters/M003/reissue")
    assert r.status_code == 200, r.text
    new = (await member_links(app, open_election.id, captured_tokens))["M003"]
    assert new != old
    assert (await web.get(f"/v/{old}")).status_code == 404
    assert "status-open" in (await web.get(f"/v/{new}")).text
    assert await statuses(app, open_election.id) == {"active": 6, "replaced": 1}
    r = await admin.post(f"/api/elections/{open_election.id}/voters/NOPE/reissue")
    assert r.status_code == 404


async def test_revoke_for_a_paper_vote(
    app: Litestar, admin: Web, web: Web, open_election: OpenElection
) -> None:
    r = await admin.post(
        f"/api/elections/{open_election.id}/voters/M002/revoke", json={"voted_on_paper": True}
    )
    assert r.status_code == 200, r.text
    assert (await web.get(f"/v/{open_election.links['M002']}")).status_code == 404
    turnout = (await admin.get(f"/api/elections/{open_election.id}/turnout")).json()
    assert turnout["voted"] == 1 and turnout["members"][0]["member_id"] == "M002"
    assert turnout["members"][0]["channel"] == "paper"
    # A member who voted cannot be given a new link.
    r = await admin.post(f"/api/elections/{open_election.id}/voters/M002/reissue")
    assert r.status_code == 409 and "already voted" in r.json()["error"]


async def test_tokens_expire_at_close(
    app: Litestar, admin: Web, web: Web, open_election: OpenElection
) -> None:
    r = await admin.post(f"/api/elections/{open_election.id}/state", json={"target": "closed"})
    assert r.status_code == 200
    assert await statuses(app, open_election.id) == {"expired": 6}
    r = await web.get(f"/v/{open_election.links['M004']}")
    assert (
        r.status_code == 200
        and "Votación de reconocimiento" in r.text
        and "status-closed" in r.text
    )


async def test_consume_exactly_once_even_concurrently(
    app: Litestar, web: Web, open_election: OpenElection
) -> None:
    token = open_election.links["M006"]
    factory = app.state.session_factory

    async def cast() -> bool:
        async with factory() as db:
            found = await token_store.lookup_token(db, token)
            assert found is not None
            ok = await token_store.consume_token(db, found, app.state.clock())
            await db.commit()
            return ok

    results = await asyncio.gather(cast(), cast(), cast())
    assert sorted(results) == [False, False, True]
    async with factory() as db:
        found = await token_store.lookup_token(db, token)
    assert found is not None and found.status == "used" and found.voter.voted_channel == "online"
    r = await web.get(f"/v/{token}")
    assert "status-voted" in r.text


async def test_turnout_by_unit_never_shows_choices(
    admin: Web, app: Litestar, open_election: OpenElection
) -> None:
    async with app.state.session_factory() as db:
        found = await token_store.lookup_token(db, open_election.links["M001"])
        assert found is not None
        await token_store.consume_token(db, found, app.state.clock())
        await db.commit()
    t = (await admin.get(f"/api/elections/{open_election.id}/turnout")).json()
    assert t["eligible"] == 6 and t["voted"] == 1 and t["not_voted"] == 5
    assert {u["unit"]: (u["voted"], u["eligible"]) for u in t["units"]} == {
        "East": (0, 1),
        "North": (1, 2),
        "South": (0, 3),
    }
    assert t["members"] == [
        {"member_id": "M001", "name": "Ana Lopez", "unit": "North", "channel": "online"}
    ]
