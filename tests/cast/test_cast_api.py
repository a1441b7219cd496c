"""POST /api/cast: one verified ballot per link, in one transaction; every refusal is a
clear 4xx and leaves the link usable (run on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from typing import Any

from litestar import Litestar
from sqlalchemy import func, select

from ballot.crypto.ballots import tracker, tracker_display
from ballot.record.board import BoardEntry, verify_chain
from ballot.record.canonical import canonical_json
from ballot.record.signing import SignedHead, verify_signature
from ballot.store.board import board_entries, to_entry
from ballot.store.cast_tables import BallotAlpha, CastBallot, ChallengedBallot
from ballot.store.models import Voter, VoterToken
from ballot.store.tokens import hash_token
from tests.support.asgi import FakeClock, Web

from .conftest import DEFINITION, ROLL, CastElection, open_with_ceremony


async def token_status(app: Litestar, token: str) -> str:
    async with app.state.session_factory() as db:
        status = await db.scalar(
            select(VoterToken.status).where(VoterToken.token_hash == hash_token(token))
        )
    assert status is not None
    return status


async def count(app: Litestar, table: Any) -> int:
    async with app.state.session_factory() as db:
        return int(await db.scalar(select(func.count()).select_from(table)) or 0)


async def cast(web: Web, token: str, ballot: Any) -> Any:
    return await web.client.post("/api/cast", json={"token": token, "ballot": ballot})


async def test_cast_returns_a_signed_receipt_and_publishes_the_ballot(
    app: Litestar, web: Web, cast_election: CastElection
) -> None:
    token = cast_election.links["K003"]
    ballot = cast_election.ballot_json(0)
    r = await cast(web, token, ballot)
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert r.headers["cache-control"] == "no-store"
    assert receipt["tracker"] == tracker(ballot)
    assert receipt["tracker_short"] == tracker_display(receipt["tracker"])
    assert receipt["kind"] == "ballot.cast" and receipt["election"] == cast_election.id
    body = {k: v for k, v in receipt.items() if k != "signature"}
    verify_signature(receipt["server_key"], canonical_json(body), receipt["signature"])
    head = SignedHead.from_json(receipt["head"])
    verify_signature(receipt["server_key"], head.message(), head.signature)
    assert head.seq == receipt["seq"] and head.head_hash == receipt["entry_hash"]

    async with app.state.session_factory() as db:
        rows = await board_entries(db, cast_election.id)
        voter = await db.scalar(select(Voter).where(Voter.member_id == "K003"))
    verify_chain([to_entry(x) for x in rows], head.head_hash)
    entry = rows[receipt["seq"]]
    assert entry.kind == "ballot.cast"
    payload = json.loads(entry.payload)
    assert voter is not None and voter.alias is not None
    # Never the voter: only the alias the roll committed for them (PROTOCOL 11.8).
    assert payload == {"alias": voter.alias, "ballot": ballot, "tracker": receipt["tracker"]}
    assert entry.alias == receipt["alias"] == voter.alias
    assert "K003" not in entry.payload and "ben@example.org" not in entry.payload
    assert voter.voted_at is not None and voter.voted_channel == "online"
    assert await token_status(app, token) == "used"
    assert await count(app, CastBallot) == 1
    assert await count(app, BallotAlpha) == 1  # a yes/no ballot is one ciphertext

    # The public board lists the tracker and finds it by its short form.
    r = await web.get(f"/api/elections/{cast_election.id}/trackers")
    assert [t["tracker"] for t in r.json()["trackers"]] == [receipt["tracker"]]
    r = await web.get(f"/api/elections/{cast_election.id}/trackers/{receipt['tracker_short']}")
    assert r.status_code == 200 and r.json()["seq"] == receipt["seq"]
    r = await web.get(f"/api/elections/{cast_election.id}/head")
    assert r.json()["head"] == receipt["head"]


async def test_second_cast_with_the_same_link_is_refused(
    app: Litestar, web: Web, cast_election: CastElection
) -> None:
    token = cast_election.links["K003"]
    assert (await cast(web, token, cast_election.ballot_json(0))).status_code == 201
    r = await cast(web, token, cast_election.ballot_json(1))
    assert r.status_code == 409 and "already been used" in r.json()["error"]
    assert await count(app, CastBallot) == 1


async def assert_refused_and_usable(
    app: Litestar,
    web: Web,
    election: CastElection,
    member: str,
    response: Any,
    status: int,
    words: str,
) -> None:
    assert response.status_code == status, response.text
    assert words in response.json()["error"]
    token = election.links[member]
    assert await token_status(app, token) == "active"
    assert await count(app, CastBallot) == 0
    # ... and the link still works for an honest ballot.
    assert (await cast(web, token, election.ballot_json(1))).status_code == 201


async def test_tampered_proof_is_refused(
    app: Litestar, web: Web, cast_election: CastElection
) -> None:
    ballot = cast_election.ballot_json(0)
    proof = ballot["questions"][0]["slots"][0]["proof"]
    key = sorted(proof)[0]
    value = proof[key]
    if isinstance(value, list):
        value = list(value)
        value[0] = value[1]
    else:
        value = value[:-1] + ("0" if value[-1] != "0" else "1")
    proof[key] = value
    r = await cast(web, cast_election.links["K003"], ballot)
    assert r.status_code in (400, 422)
    await assert_refused_and_usable(app, web, cast_election, "K003", r, r.status_code, "ballot")


async def test_tampered_ciphertext_is_refused_naming_the_place(
    app: Litestar, web: Web, cast_election: CastElection
) -> None:
    ballot = cast_election.ballot_json(0)
    other = cast_election.ballot_json(1)
    ballot["questions"][0]["slots"][0]["beta"] = other["questions"][0]["slots"][0]["beta"]
    r = await cast(web, cast_election.links["K003"], ballot)
    assert r.json()["code"] == "ballot_invalid"
    await assert_refused_and_usable(app, web, cast_election, "K003", r, 422, "does not verify")


async def test_ballot_for_another_election_is_refused(
    app: Litestar,
    web: Web,
    admin: Web,
    captured_tokens: dict[int, str],
    cast_election: CastElection,
) -> None:
    roll = ROLL.replace("@example.org", "@other.example.org")
    other = await open_with_ceremony(app, admin, captured_tokens, DEFINITION, roll)
    r = await cast(web, cast_election.links["K003"], other.ballot_json(0))
    assert r.json()["code"] == "wrong_election"
    await assert_refused_and_usable(app, web, cast_election, "K003", r, 422, "another election")


async def test_replayed_ciphertext_is_refused(
    app: Litestar, web: Web, cast_election: CastElection
) -> None:
    ballot = cast_election.ballot_json(0)
    assert (await cast(web, cast_election.links["K004"], ballot)).status_code == 201
    r = await cast(web, cast_election.links["K003"], ballot)
    assert r.status_code == 409 and "replayed ciphertext" in r.json()["error"]
    assert r.json()["code"] == "replay"
    assert await token_status(app, cast_election.links["K003"]) == "active"
    assert await count(app, CastBallot) == 1
    assert (
        await cast(web, cast_election.links["K003"], cast_election.ballot_json(1))
    ).status_code == 201


async def test_database_refuses_a_replay_that_passed_the_application_check(
    app: Litestar, web: Web, cast_election: CastElection, monkeypatch: Any
) -> None:
    """Two casts racing with the same ciphertext: the unique alpha key stops the second."""
    from ballot.store.casting import links

    async def nothing_seen(*a: Any, **k: Any) -> set[bytes]:
        return set()

    monkeypatch.setattr(links, "used_alphas", nothing_seen)
    ballot = cast_election.ballot_json(0)
    assert (await cast(web, cast_election.links["K004"], ballot)).status_code == 201
    r = await cast(web, cast_election.links["K003"], ballot)
    assert r.status_code == 409 and "replayed ciphertext" in r.json()["error"]
    assert await token_status(app, cast_election.links["K003"]) == "active"
    assert await count(app, CastBallot) == 1


async def test_malformed_requests_are_refused(
    app: Litestar, web: Web, cast_election: CastElection
) -> None:
    token = cast_election.links["K003"]
    good = cast_election.ballot_json(0)
    cases: list[tuple[bytes, str]] = [
        (b"{not json", "not valid JSON"),
        (b"[]", "JSON object"),
        (json.dumps({"token": token}).encode(), "exactly the keys"),
        (json.dumps({"token": token, "ballot": good, "extra": 1}).encode(), "exactly the keys"),
        (b'{"token": "a", "token": "b", "ballot": {}}', "duplicate key"),
        (json.dumps({"token": 5, "ballot": good}).encode(), "'token'"),
        (json.dumps({"token": token, "ballot": "x"}).encode(), "'ballot'"),
        (json.dumps({"token": token, "ballot": {**good, "format": "v0"}}).encode(), "malformed"),
        (json.dumps({"token": token, "ballot": {**good, "x": 1}}).encode(), "malformed"),
        (b'{"token": "a", "ballot": {"n": NaN}}', "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
    ]
    for body, words in cases:
        r = await web.client.post(
            "/api/cast", content=body, headers={"content-type": "application/json"}
        )
        assert r.status_code == 400, (body, r.text)
        assert words in r.json()["error"], (body, r.json())
    upper = json.loads(json.dumps(good).replace('"election": "', '"election": "X', 1))
    r = await cast(web, token, upper)
    assert r.status_code == 400
    await assert_refused_and_usable(app, web, cast_election, "K003", r, 400, "malformed")


async def test_oversized_body_is_refused_with_413(
    app: Litestar, web: Web, cast_election: CastElection
) -> None:
    token = cast_election.links["K003"]
    body = json.dumps({"token": token, "ballot": {"pad": "x" * 70_000}}).encode()
    r = await web.client.post(
        "/api/cast", content=body, headers={"content-type": "application/json"}
    )
    assert r.status_code == 413 and "too large" in r.json()["error"]

    async def chunks() -> Any:  # no Content-Length: the stream is cut at the limit
        for _ in range(20):
            yield b" " * 8192

    r = await web.client.post("/api/cast", content=chunks())
    await assert_refused_and_usable(app, web, cast_election, "K003", r, 413, "too large")


async def test_unknown_expired_and_used_tokens(
    app: Litestar, web: Web, admin: Web, clock: FakeClock, cast_election: CastElection
) -> None:
    ballot = cast_election.ballot_json(0)
    r = await cast(web, "no-such-token", ballot)
    assert r.status_code == 404 and "not valid" in r.json()["error"]
    assert r.json()["code"] == "link_invalid"
    assert (
        await cast(web, cast_election.links["K004"], cast_election.ballot_json(0))
    ).status_code == 201
    r = await cast(web, cast_election.links["K004"], ballot)
    assert r.status_code == 409 and "already been used" in r.json()["error"]
    assert r.json()["code"] == "link_used"
    r = await admin.post("/api/elections/" + cast_election.id + "/voters/K003/reissue")
    assert r.status_code == 200
    r = await cast(web, cast_election.links["K003"], ballot)
    assert r.status_code == 410 and "replaced" in r.json()["error"]
    assert r.json()["code"] == "link_replaced"
    r = await admin.post(f"/api/elections/{cast_election.id}/state", json={"target": "closed"})
    assert r.status_code == 200, r.text
    r = await cast(web, cast_election.links["K006"], ballot)
    assert r.status_code == 410 and "closed" in r.json()["error"]
    assert r.json()["code"] == "voting_closed"
    assert await token_status(app, cast_election.links["K006"]) == "expired"
    assert await count(app, CastBallot) == 1


async def test_challenged_voter_goes_to_the_challenged_pool(
    app: Litestar, web: Web, cast_election: CastElection
) -> None:
    ballot = cast_election.ballot_json(1)
    r = await cast(web, cast_election.links["K005"], ballot)  # Ed Park is challenged
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert receipt["kind"] == "ballot.challenged" and receipt["challenge"].startswith("c")
    async with app.state.session_factory() as db:
        rows = await board_entries(db, cast_election.id)
        pool = list(await db.scalars(select(ChallengedBallot)))
        voter = await db.scalar(select(Voter).where(Voter.member_id == "K005"))
    assert voter is not None
    entry = rows[receipt["seq"]]
    assert entry.kind == "ballot.challenged"
    assert json.loads(entry.payload) == {
        "alias": voter.alias,
        "challenge": receipt["challenge"],
        "ballot": ballot,
        "tracker": receipt["tracker"],
    }
    assert "K005" not in entry.payload and "ed@example.org" not in entry.payload
    assert [(c.id, c.voter_id, c.tracker) for c in pool] == [
        (receipt["challenge"], voter.id, receipt["tracker"])
    ]
    assert await count(app, CastBallot) == 0  # never in the main count on its own
    r = await web.get(f"/api/elections/{cast_election.id}/trackers/{receipt['tracker']}")
    assert r.json()["kind"] == "ballot.challenged"


async def test_board_is_a_valid_chain_with_signed_heads_after_several_casts(
    app: Litestar, web: Web, cast_election: CastElection
) -> None:
    for member in ("K001", "K002", "K003", "K005"):
        r = await cast(web, cast_election.links[member], cast_election.ballot_json(0))
        assert r.status_code == 201
    r = await web.get(f"/api/elections/{cast_election.id}/board/entries", params={"limit": 3})
    page = r.json()
    assert len(page["entries"]) == 3 and page["next_after"] == 2
    entries = page["entries"]
    while page["next_after"] is not None:
        page = (
            await web.get(
                f"/api/elections/{cast_election.id}/board/entries",
                params={"limit": 3, "after": page["next_after"]},
            )
        ).json()
        entries += page["entries"]
    chain = [BoardEntry.from_json(e) for e in entries]
    head = (await web.get(f"/api/elections/{cast_election.id}/head")).json()["head"]
    verify_chain(chain, head["head"])
    assert head["seq"] == chain[-1].seq
    kinds = [e.kind for e in chain]
    assert kinds.count("ballot.cast") == 3 and kinds.count("ballot.challenged") == 1


async def test_public_board_pages_and_lookups(web: Web, cast_election: CastElection) -> None:
    r = await cast(web, cast_election.links["K003"], cast_election.ballot_json(0))
    receipt = r.json()
    base = f"/api/elections/{cast_election.id}"
    assert (await web.get(f"{base}/trackers/{'0' * 64}")).status_code == 404
    assert (await web.get(f"{base}/trackers/not-a-tracker")).status_code == 400
    public = (await web.get(f"{base}/public")).json()
    assert public["fingerprint"] == cast_election.fingerprint.hex()
    assert public["definition"] == cast_election.definition
    page = await web.get(f"/board/{cast_election.id}", params={"tracker": receipt["tracker_short"]})
    assert (
        page.status_code == 200 and receipt["tracker"] in page.text and 'class="found' in page.text
    )
    page = await web.get(f"/board/{cast_election.id}", params={"tracker": "ZZZZ", "lang": "ko"})
    assert 'lang="ko"' in page.text and "result-bad" in page.text
    assert (await web.get("/board/nope")).status_code == 404
