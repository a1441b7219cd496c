"""JSON API for paper ballots: record an envelope, enter a hand count (PROTOCOL 11.11).

The same acts as the pages (:mod:`ballot.web.paper_pages`), for scripts and tests.  The
check-in at a polling place has no JSON twin: its credential must never leave the
device's page.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, post
from litestar.params import FromPath, JSONBody

from ballot.service import paper
from ballot.service.acting import get_election
from ballot.web.deps import Db, account_of, acting


class EnvelopeIn(msgspec.Struct):
    member_id: str


class HandCountIn(msgspec.Struct):
    questions: list[dict[str, Any]]
    pool: str = ""


class PaperController(Controller):
    path = "/api/elections/{election_id:str}"

    @post("/envelopes", opt={"access": "admin"}, status_code=200)
    async def envelope(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        data: JSONBody[EnvelopeIn],
    ) -> dict[str, Any]:
        """A returned envelope: ``received`` (counted later) or ``set_aside`` (unopened)."""
        election = await get_election(db, election_id, lock=True)
        what = await paper.record_envelope(db, acting(request), election, data.member_id)
        await db.commit()
        return {"member_id": data.member_id, "status": what}

    @post("/hand-counts", opt={"access": "admin"}, status_code=200)
    async def hand_count(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        data: JSONBody[HandCountIn],
    ) -> Response[dict[str, Any]]:
        """One member's entry: ``waiting``, ``posted`` (both agree), or 409 ``differs``."""
        election = await get_election(db, election_id, lock=True)
        done = await paper.enter_hand_count(
            db, acting(request), election, account_of(request).id, data.pool, data.questions
        )
        await db.commit()
        body = {"pool": data.pool, "status": done.status, "differences": done.differences}
        if done.status == "differs":
            body |= {"reason": "hand_count_differs", "error": "the two entries differ: count again"}
            return Response(body, status_code=409)
        return Response(body)


PAPER_API_CONTROLLERS = [PaperController]
