"""HTTP rounds of the remote key ceremony, for ``ballot trustee ceremony`` on trustees' laptops.

* ``GET  /api/elections/{id}/ceremony/remote`` (election): the round that is open, who
  the server still waits for, every public message so far, and, once settled, the
  transcript and joint key;
* ``POST /api/elections/{id}/ceremony/remote/rounds/{round}`` (trustee): the caller's
  message for ``receiving_key``, ``dealing``, ``complaints`` or ``resolutions``;
* ``POST /api/elections/{id}/ceremony/remote/settle`` (admin): settle now with what
  was posted (a trustee who never answers must not block the election for ever).

The acts themselves are :mod:`ballot.service.remote_ceremony`.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath

from ballot.election.refusal import Grounds, Refused
from ballot.record.canonical import strict_loads
from ballot.service import remote_ceremony
from ballot.service.acting import get_election, invalid
from ballot.store.ceremony_rounds import TRUSTEE_ROUNDS
from ballot.web.deps import Db, account_of, acting


class RemoteCeremonyController(Controller):
    path = "/api/elections/{election_id:str}/ceremony/remote"

    @get("/", opt={"access": "election"})
    async def show(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> dict[str, Any]:
        election = await get_election(db, election_id)
        position = await remote_ceremony.seat_of(db, election_id, account_of(request).id)
        return await remote_ceremony.ceremony_status(db, election, position)

    @post("/rounds/{round_name:str}", opt={"access": "trustee"}, status_code=200)
    async def post_round(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        round_name: FromPath[str],
        db: Db,
    ) -> dict[str, Any]:
        if round_name not in TRUSTEE_ROUNDS:
            raise Refused(
                f"unknown ceremony round {round_name!r} (one of {', '.join(TRUSTEE_ROUNDS)})",
                code="unknown_round",
                grounds=Grounds.NOT_FOUND,
            )
        try:
            body = strict_loads(await request.body())
        except ValueError as exc:
            raise invalid(f"the body must be JSON: {exc}", "not_json") from exc
        return await remote_ceremony.post_message(
            db, acting(request), election_id, account_of(request).id, round_name, body
        )

    @post("/settle", opt={"access": "admin"}, status_code=200)
    async def settle_now(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> dict[str, Any]:
        return await remote_ceremony.settle_now(db, acting(request), election_id)


CEREMONY_CONTROLLERS = [RemoteCeremonyController]
