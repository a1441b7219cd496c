"""JSON API for the count: tally rounds, trustees' partial decryptions, challenges,
certification and the election record download.

The trustee CLI drives ``GET .../tally`` and ``POST .../tally/partials``; the committee
takes each round, decides challenges and certifies.  Every act goes through
:mod:`ballot.service` with the election row locked, like every other act.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody

from ballot.election.refusal import Grounds, Refused
from ballot.service import challenges, count
from ballot.service.acting import get_election
from ballot.service.remote_ceremony import seat_of
from ballot.store.count import count_state
from ballot.store.record_export import RecordUnavailable, export_record
from ballot.web.deps import Db, account_of, acting


class PartialsIn(msgspec.Struct):
    round: int
    partials: list[Any]
    units: dict[str, list[Any]] | None = None  # per pool, when the election has subtotals


class DecisionIn(msgspec.Struct):
    decision: str
    reason: str


class CertifyIn(msgspec.Struct):
    reason: str


class CountController(Controller):
    path = "/api/elections/{election_id:str}"

    @get("/tally", opt={"access": "election"})
    async def pending(self, election_id: FromPath[str], db: Db) -> dict[str, Any]:
        election = await get_election(db, election_id)
        return await count.pending_tally(db, election)

    @post("/tally", opt={"access": "admin"}, status_code=200)
    async def take(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> dict[str, Any]:
        election = await get_election(db, election_id, lock=True)
        taken = await count.take_tally(db, acting(request), election)
        await db.commit()
        return {
            "round": taken.round,
            "seq": taken.seq,
            "ballots": taken.ballots,
            "warning": taken.warning,
        }

    @post("/tally/partials", opt={"access": "trustee"}, status_code=200)
    async def partials(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        data: JSONBody[PartialsIn],
    ) -> dict[str, Any]:
        election = await get_election(db, election_id, lock=True)
        position = await seat_of(db, election_id, account_of(request).id)
        if position is None:  # the guard admits only seated trustees; belt and braces
            raise Refused(
                "you hold no trustee seat in this election",
                code="no_seat",
                grounds=Grounds.FORBIDDEN,
            )
        accepted = await count.accept_partials(
            db, acting(request), election, position, data.round, data.partials, data.units
        )
        await db.commit()
        return {
            "accepted": True,
            "seq": accepted.seq,
            "combined": accepted.combined,
            "result": accepted.result,
        }

    @get("/challenges", opt={"access": "staff"})
    async def challenges(self, election_id: FromPath[str], db: Db) -> dict[str, Any]:
        election = await get_election(db, election_id)
        return await challenges.challenges_view(db, election)

    @post("/challenges/{challenge_id:str}", opt={"access": "admin"}, status_code=200)
    async def decide(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        challenge_id: FromPath[str],
        db: Db,
        data: JSONBody[DecisionIn],
    ) -> dict[str, Any]:
        election = await get_election(db, election_id, lock=True)
        warning = await challenges.decide_challenge(
            db, acting(request), election, challenge_id, data.decision, data.reason
        )
        await db.commit()
        return {"challenge": challenge_id, "decision": data.decision, "warning": warning}

    @post("/certify", opt={"access": "admin"}, status_code=200)
    async def certify(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        data: JSONBody[CertifyIn],
    ) -> dict[str, Any]:
        election = await get_election(db, election_id, lock=True)
        seq = await challenges.certify(db, acting(request), election, data.reason)
        await db.commit()
        return {"state": election.state, "seq": seq}

    @get("/record.zip", opt={"access": "public"})
    async def record(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> Response[bytes]:
        """The election record, for anyone, once the board holds a result.

        The latest round's result is the final one unless a second round follows
        (a determinative round 1 not yet followed by decisions is published as such:
        the record says the outcome is not settled).  Not while a tally awaits its
        result: the board's last round would have no result.
        """
        await get_election(db, election_id)
        state = await count_state(db, election_id)
        if state.latest_round is None or state.pending_round is not None:
            raise Refused(
                "the election record is published once the final result is on the board",
                code="no_record_yet",
            )
        key = request.app.state.secrets.board_key.public_hex
        with tempfile.TemporaryDirectory(prefix="ballot-record-") as folder:
            path = Path(folder) / f"{election_id}.zip"
            try:
                await export_record(db, election_id, key, path)
            except RecordUnavailable as exc:
                raise Refused(
                    str(exc), code="record_unavailable", grounds=Grounds.UNAVAILABLE
                ) from exc
            content = path.read_bytes()
        return Response(
            content,
            media_type="application/zip",
            headers={"content-disposition": f'attachment; filename="election-{election_id}.zip"'},
        )


COUNT_CONTROLLERS = [CountController]
