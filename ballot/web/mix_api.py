"""JSON API for the mix-net of ranked races (PROTOCOL 18): where it stands, the trustees'
shuffles and their partial decryptions of the shuffled ballots.

The trustee tool drives all three (``ballot trustee shuffle``, ``ballot trustee tally``);
each act goes through :mod:`ballot.service.mix` with the election row locked, so two
trustees posting at once are served one after the other.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from ballot.election.refusal import Grounds, Refused
from ballot.service import mix
from ballot.service.acting import get_election
from ballot.service.remote_ceremony import seat_of
from ballot.web.deps import Db, account_of, acting
from ballot.web.validation import MIX_BODY


class ShuffleIn(msgspec.Struct, forbid_unknown_fields=True):
    #: race id -> the trustee's Shuffle JSON (PROTOCOL 16.5), or null for an empty list
    races: dict[str, Any]


class MixPartialsIn(msgspec.Struct, forbid_unknown_fields=True):
    #: race id -> the trustee's partial decryptions of its shuffled list, in list order
    races: dict[str, Any]


async def _seat(request: Request[Any, Any, Any], db: Db, election_id: str) -> int:
    position = await seat_of(db, election_id, account_of(request).id)
    if position is None:  # the guard admits only seated trustees; belt and braces
        raise Refused(
            "you hold no trustee seat in this election", code="no_seat", grounds=Grounds.FORBIDDEN
        )
    return position


class MixController(Controller):
    path = "/api/elections/{election_id:str}/mix"

    @get("/", opt={"access": "election"})
    async def status(
        self, election_id: FromPath[str], db: Db, lists: FromQuery[bool] = True
    ) -> dict[str, Any]:
        """The mix: each ranked race's current list (``lists=false`` leaves them out),
        the shufflers in position order, the trustees who decrypted, what is awaited."""
        election = await get_election(db, election_id)
        return await mix.mix_view(db, election, lists=lists)

    @post(
        "/shuffles",
        opt={"access": "trustee"},
        status_code=200,
        request_max_body_size=MIX_BODY,
    )
    async def shuffle(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        data: JSONBody[ShuffleIn],
    ) -> dict[str, Any]:
        election = await get_election(db, election_id, lock=True)
        trustee = await _seat(request, db, election_id)
        accepted = await mix.accept_shuffle(db, acting(request), election, trustee, data.races)
        await db.commit()
        return {
            "accepted": True,
            "seq": accepted.seq,
            "position": accepted.position,
            "completed": accepted.completed,
        }

    @post(
        "/partials",
        opt={"access": "trustee"},
        status_code=200,
        request_max_body_size=MIX_BODY,
    )
    async def partials(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        data: JSONBody[MixPartialsIn],
    ) -> dict[str, Any]:
        election = await get_election(db, election_id, lock=True)
        trustee = await _seat(request, db, election_id)
        accepted = await mix.accept_mix_partials(db, acting(request), election, trustee, data.races)
        await db.commit()
        return {
            "accepted": True,
            "seq": accepted.seq,
            "combined": accepted.combined,
            "result": accepted.result,
        }


MIX_CONTROLLERS = [MixController]
