"""Revoting (PROTOCOL 11.10) in the service: casting again, the pages, the count.

With revoting on, a member's link keeps working until close: a second cast is accepted
and named on the board with the same alias; the voter's page shows the last tracker and
offers the ballot again; a challenged member's ballot is never replaced; the closing
entry and the tally count each member's last ballot only.  Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any

from litestar import Litestar
from sqlalchemy import select

from ballot.crypto.ballots import tracker_display
from ballot.record.kinds import Kind
from ballot.store.models import BoardEntryRow, VoterToken
from ballot.store.tokens import hash_token
from tests.support.asgi import Web

from .conftest import DEFINITION, ROLL, CastElection, open_with_ceremony

REVOTING = {**DEFINITION, "revoting": True}


async def _election(app: Litestar, admin: Web, captured: dict[int, str]) -> CastElection:
    return await open_with_ceremony(app, admin, captured, REVOTING, ROLL)


async def cast(web: Web, token: str, ballot: Any) -> Any:
    return await web.client.post("/api/cast", json={"token": token, "ballot": ballot})


async def board(app: Litestar, election_id: str, *kinds: str) -> list[BoardEntryRow]:
    async with app.state.session_factory() as db:
        rows = await db.scalars(
            select(BoardEntryRow)
            .where(BoardEntryRow.election_id == election_id)
            .order_by(BoardEntryRow.seq)
        )
        return [r for r in rows if not kinds or r.kind in kinds]


async def test_a_member_casts_again_and_the_board_names_both_ballots_with_one_alias(
    app: Litestar, web: Web, admin: Web, captured_tokens: dict[int, str]
) -> None:
    election = await _election(app, admin, captured_tokens)
    token = election.links["K003"]
    first = await cast(web, token, election.ballot_json(0))
    assert first.status_code == 201, first.text
    second = await cast(web, token, election.ballot_json(1))
    assert second.status_code == 201, second.text
    assert first.json()["alias"] == second.json()["alias"]
    ballots = await board(app, election.id, Kind.CAST)
    assert [b.alias for b in ballots] == [first.json()["alias"]] * 2
    assert [json.loads(b.payload)["tracker"] for b in ballots] == [
        first.json()["tracker"],
        second.json()["tracker"],
    ]
    async with app.state.session_factory() as db:
        status = await db.scalar(
            select(VoterToken.status).where(VoterToken.token_hash == hash_token(token))
        )
    assert status == "used"  # used (the member voted), and still good for casting again

    # The voter's page: the last ballot, the promise, the ballot again.
    page = await web.client.get(f"/v/{token}?lang=en")
    assert page.status_code == 200
    html = page.text
    assert tracker_display(second.json()["tracker"]) in html
    assert tracker_display(first.json()["tracker"]) not in html
    assert "only your last ballot counts" in html
    assert 'id="ballot-form"' in html and 'data-state="open"' in html

    # The public board and the alias look-up show the first ballot as replaced.
    listed = (await web.client.get(f"/api/elections/{election.id}/trackers")).json()["trackers"]
    by_tracker = {t["tracker"]: t for t in listed}
    assert by_tracker[first.json()["tracker"]].get("replaced") is True
    assert "replaced" not in by_tracker[second.json()["tracker"]]
    alias = first.json()["alias"]
    found = (await web.client.get(f"/api/elections/{election.id}/aliases/{alias}")).json()
    assert found["ballot"]["tracker"] == second.json()["tracker"]
    assert [b["tracker"] for b in found["replaced"]] == [first.json()["tracker"]]
    shown = await web.client.get(f"/board/{election.id}/alias?alias={alias}&lang=en")
    assert 'id="alias-replaced"' in shown.text
    page = await web.client.get(f"/board/{election.id}?lang=en")
    assert page.text.count('class="replaced"') == 1


async def test_a_challenged_members_ballot_cannot_be_replaced(
    app: Litestar, web: Web, admin: Web, captured_tokens: dict[int, str]
) -> None:
    election = await _election(app, admin, captured_tokens)
    token = election.links["K005"]  # challenged on the roll
    r = await cast(web, token, election.ballot_json(0))
    assert r.status_code == 201 and r.json()["kind"] == Kind.CHALLENGED
    again = await cast(web, token, election.ballot_json(1))
    assert again.status_code == 409
    assert again.json()["code"] == "challenged_final"
    assert "cannot be replaced" in again.json()["error"]
    page = await web.client.get(f"/v/{token}?lang=en")
    assert 'data-state="voted"' in page.text and 'id="ballot-form"' not in page.text


async def test_the_close_and_the_tally_count_each_members_last_ballot(
    app: Litestar, web: Web, admin: Web, captured_tokens: dict[int, str]
) -> None:
    election = await _election(app, admin, captured_tokens)
    links = election.links
    for member, choice in (("K001", 0), ("K002", 0), ("K001", 1), ("K003", 1), ("K001", 0)):
        r = await cast(web, links[member], election.ballot_json(choice))
        assert r.status_code == 201, r.text
    r = await admin.post(f"/api/elections/{election.id}/state", json={"target": "closed"})
    assert r.status_code == 200, r.text
    closed = json.loads((await board(app, election.id, Kind.CLOSED))[0].payload)
    assert closed == {"cast": 5, "challenged": 0, "counted": 3, "replaced": 2}
    # After close the link is done, like any other.
    late = await cast(web, links["K001"], election.ballot_json(1))
    assert late.status_code == 410 and late.json()["code"] == "voting_closed"
    r = await admin.post(f"/api/elections/{election.id}/tally")
    assert r.status_code in (200, 201), r.text
    tally = json.loads((await board(app, election.id, Kind.TALLY))[0].payload)
    assert tally["counted"] == {"cast": 3, "overruled": []}
    assert tally["tally"]["ballots"] == 3


async def test_without_revoting_a_second_cast_is_refused_as_before(
    app: Litestar, web: Web, admin: Web, captured_tokens: dict[int, str]
) -> None:
    election = await open_with_ceremony(app, admin, captured_tokens, DEFINITION, ROLL)
    token = election.links["K003"]
    assert (await cast(web, token, election.ballot_json(0))).status_code == 201
    again = await cast(web, token, election.ballot_json(1))
    assert again.status_code == 409 and again.json()["code"] == "link_used"
    page = await web.client.get(f"/v/{token}?lang=en")
    assert "only your last ballot counts" not in page.text
    assert 'data-state="voted"' in page.text
