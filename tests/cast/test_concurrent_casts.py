"""Fifty simultaneous casts with one link leave exactly one ballot on the board
(SQLite and PostgreSQL; on PostgreSQL the app's connection pool runs them truly in parallel)."""

from __future__ import annotations

import asyncio
from collections import Counter

from litestar import Litestar
from sqlalchemy import func, select

from ballot.record.board import verify_chain
from ballot.store.board import board_entries, to_entry
from ballot.store.cast_tables import BallotAlpha, CastBallot
from tests.support.asgi import Web

from .conftest import CastElection


async def test_fifty_simultaneous_casts_with_one_link(
    app: Litestar, web: Web, cast_election: CastElection
) -> None:
    token = cast_election.links["K004"]
    ballots = [cast_election.ballot_json(i % 2) for i in range(50)]
    responses = await asyncio.gather(
        *(web.client.post("/api/cast", json={"token": token, "ballot": b}) for b in ballots)
    )
    codes = Counter(r.status_code for r in responses)
    assert codes == {201: 1, 409: 49}, [r.text for r in responses if r.status_code != 409][:3]
    assert all("already been used" in r.json()["error"] for r in responses if r.status_code == 409)
    winner = next(r.json() for r in responses if r.status_code == 201)
    async with app.state.session_factory() as db:
        rows = await board_entries(db, cast_election.id)
        cast_rows = int(await db.scalar(select(func.count()).select_from(CastBallot)) or 0)
        alphas = int(await db.scalar(select(func.count()).select_from(BallotAlpha)) or 0)
    assert [r.seq for r in rows if r.kind == "ballot.cast"] == [winner["seq"]]
    assert cast_rows == 1 and alphas == 1
    verify_chain([to_entry(r) for r in rows])


async def test_concurrent_casts_with_different_links_all_land_in_order(
    app: Litestar, web: Web, cast_election: CastElection
) -> None:
    members = ["K001", "K002", "K003", "K004", "K006"]
    responses = await asyncio.gather(
        *(
            web.client.post(
                "/api/cast",
                json={"token": cast_election.links[m], "ballot": cast_election.ballot_json(0)},
            )
            for m in members
        )
    )
    assert [r.status_code for r in responses] == [201] * 5
    seqs = sorted(r.json()["seq"] for r in responses)
    assert len(set(seqs)) == 5
    async with app.state.session_factory() as db:
        rows = await board_entries(db, cast_election.id)
    verify_chain([to_entry(r) for r in rows])
    assert [r.seq for r in rows if r.kind == "ballot.cast"] == seqs
