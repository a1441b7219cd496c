"""Benaloh audits over the API: a spoiled ballot is checked, published without the voter,
barred from being cast, bounded per link; anyone can check an audit against the election."""

from __future__ import annotations

import json
from typing import Any

from litestar import Litestar
from sqlalchemy import select

from ballot.crypto.ballots import AuditedBallot, encrypt_ballot, tracker
from ballot.store.board import board_entries
from ballot.store.cast_tables import BallotAlpha, TokenAudit
from ballot.store.casting import audits
from tests.support.asgi import Web

from .conftest import CastElection


def audited(election: CastElection, choice: int) -> dict[str, Any]:
    ballot, secrets = encrypt_ballot(
        election.manifest, election.public_key, election.fingerprint, [[choice]]
    )
    return AuditedBallot(ballot, secrets).audit_json()


async def post_audit(web: Web, token: str, audit: Any) -> Any:
    return await web.client.post("/api/audited-ballots", json={"token": token, "audit": audit})


async def test_audit_is_published_and_its_ballot_can_never_be_cast(
    app: Litestar, web: Web, cast_election: CastElection
) -> None:
    token = cast_election.links["K003"]
    audit = audited(cast_election, 1)
    r = await post_audit(web, token, audit)
    assert r.status_code == 201, r.text
    assert r.json()["tracker"] == tracker(audit["ballot"])
    async with app.state.session_factory() as db:
        rows = await board_entries(db, cast_election.id)
        uses = set(await db.scalars(select(BallotAlpha.use)))
        count = await db.scalar(select(TokenAudit.audits))
    entry = rows[r.json()["seq"]]
    assert entry.kind == "ballot.audited"
    assert json.loads(entry.payload) == {"audit": audit, "tracker": r.json()["tracker"]}
    assert "K003" not in entry.payload and "ben@example.org" not in entry.payload
    assert uses == {"audited"} and count == 1

    r = await web.client.post("/api/cast", json={"token": token, "ballot": audit["ballot"]})
    assert r.status_code == 409 and "replayed" in r.json()["error"]
    r = await post_audit(web, token, audit)  # the same audit twice
    assert r.status_code == 409
    fresh = cast_election.ballot_json(1)
    assert (
        await web.client.post("/api/cast", json={"token": token, "ballot": fresh})
    ).status_code == 201
    r = await post_audit(web, token, audited(cast_election, 0))  # link used: no more audits
    assert r.status_code == 409 and "already been used" in r.json()["error"]


async def test_bad_audits_are_refused(app: Litestar, web: Web, cast_election: CastElection) -> None:
    token = cast_election.links["K003"]
    lying = audited(cast_election, 0)
    lying["secrets"][0][0]["plaintext"] = 1 - lying["secrets"][0][0]["plaintext"]
    r = await post_audit(web, token, lying)
    assert r.status_code == 422 and "does not check out" in r.json()["error"]
    r = await post_audit(web, token, {"format": "nope"})
    assert r.status_code == 400 and "malformed" in r.json()["error"]
    r = await post_audit(web, "unknown", audited(cast_election, 0))
    assert r.status_code == 404
    async with app.state.session_factory() as db:
        assert list(await db.scalars(select(BallotAlpha))) == []


async def test_audits_per_link_are_bounded(
    app: Litestar, web: Web, cast_election: CastElection, monkeypatch: Any
) -> None:
    monkeypatch.setattr(audits, "MAX_AUDITS_PER_LINK", 2)
    token = cast_election.links["K003"]
    for _ in range(2):
        assert (await post_audit(web, token, audited(cast_election, 0))).status_code == 201
    r = await post_audit(web, token, audited(cast_election, 0))
    assert r.status_code == 429 and "cast one now" in r.json()["error"]


async def test_anyone_can_check_an_audit(web: Web, cast_election: CastElection) -> None:
    audit = audited(cast_election, 1)
    url = f"/api/elections/{cast_election.id}/audit-check"
    r = await web.client.post(url, json=audit)
    assert r.status_code == 200, r.text
    assert r.json()["valid"] and r.json()["selections"] == [["q1-o2"]]
    audit["secrets"][0][0]["randomness"] = audit["secrets"][0][0]["randomness"][::-1]
    r = await web.client.post(url, json=audit)
    assert r.status_code == 422 and r.json()["valid"] is False and "slot" in r.json()["error"]
    r = await web.client.post("/api/elections/nope/audit-check", json=audit)
    assert r.status_code == 404
