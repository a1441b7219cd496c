"""JSON API for the roll, the voters' links, and the committee's reports (turnout, mail,
board, activity log)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from ballot.election.refusal import Grounds, Refused
from ballot.service import voters
from ballot.service.acting import get_election, invalid, require_roll_editable
from ballot.service.mailing import delivery
from ballot.store.activity import activity_entries, activity_json
from ballot.store.board import board_entries, board_heads, entry_json, head_json
from ballot.store.observers import sees_names
from ballot.store.roll import roll_size
from ballot.store.roll_search import MAX_PER_PAGE, MAX_SEARCH, RollQuery, search_roll
from ballot.store.turnout import turnout
from ballot.web.deps import Db, account_of, acting, reader_of
from ballot.web.observer_kinds import activity_for


class RevokeIn(msgspec.Struct):
    voted_on_paper: bool = False


class RollController(Controller):
    path = "/api/elections/{election_id:str}/roll"

    @post("/", opt={"access": "admin"}, status_code=200)
    async def upload(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> Response[Any]:
        election = await get_election(db, election_id, lock=True)
        require_roll_editable(election)
        try:
            text = (await request.body()).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise invalid("the roll must be a UTF-8 CSV file", "not_utf8") from exc
        result = await voters.import_roll(db, acting(request), election, text)
        if not result.ok:  # nothing is committed: the session ends without a commit
            raise Refused(
                "the roll was not imported: fix the rows below and upload the whole file again",
                code="roll_invalid",
                grounds=Grounds.UNPROCESSABLE,
                details={"problems": [asdict(p) for p in result.problems]},
            )
        await db.commit()
        return Response(
            {"imported": result.imported, "roll_size": await roll_size(db, election_id)}
        )

    @get("/", opt={"access": "names"})
    async def list_roll(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        page: FromQuery[Annotated[int, Parameter(ge=1)]] = 1,
        per_page: FromQuery[Annotated[int, Parameter(ge=1, le=MAX_PER_PAGE)]] = MAX_PER_PAGE,
        q: FromQuery[Annotated[str, Parameter(max_length=MAX_SEARCH)]] = "",
        voted: FromQuery[Literal["", "yes", "no"]] = "",
    ) -> Response[list[dict[str, Any]]]:
        """One page of the roll (who has voted: admins and "names" observers only; addresses
        for admins only); the number of matching members is in ``X-Total-Count``."""
        await get_election(db, election_id)
        admin = account_of(request).role == "admin"
        found = await search_roll(
            db, election_id, RollQuery(text=q, voted=voted, page=page, per_page=per_page)
        )
        rows = [
            {
                "member_id": v.member_id,
                "name": v.name,
                **({"email": v.email or None, "phone": v.phone or None} if admin else {}),
                **({"channel": v.send_by} if admin else {}),
                "language": v.language,
                "unit": v.unit,
                "challenged": v.challenged,
                "voted": v.voted,
                "voted_by": v.channel,  # online, in_person, paper ("" until voted)
                "link": v.link,
            }
            for v in found.rows
        ]
        return Response(rows, headers={"X-Total-Count": str(found.total)})

    @post("/late", opt={"access": "admin"}, status_code=201)
    async def add_late(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        data: JSONBody[dict[str, Any]],
    ) -> Response[Any]:
        """Add a member after voting opened: a new alias on the board, a link, an invitation."""
        election = await get_election(db, election_id, lock=True)
        voter, problems = await voters.add_late_member(db, acting(request), election, data)
        if voter is None:  # nothing is committed: the session ends without a commit
            raise Refused(
                "the member was not added: fix the fields below",
                code="voter_invalid",
                grounds=Grounds.UNPROCESSABLE,
                details={"problems": [asdict(p) for p in problems]},
            )
        await db.commit()
        return Response(
            {"added": voter.member_id, "eligible": election.eligible_count}, status_code=201
        )

    @put("/{member_id:str}", opt={"access": "admin"})
    async def correct(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        member_id: FromPath[str],
        db: Db,
        data: JSONBody[dict[str, Any]],
    ) -> Response[Any]:
        election = await get_election(db, election_id, lock=True)
        voter, problems = await voters.correct_voter(db, acting(request), election, member_id, data)
        if problems:
            raise Refused(
                f"member {member_id} was not changed",
                code="voter_invalid",
                grounds=Grounds.UNPROCESSABLE,
                details={"problems": [asdict(p) for p in problems]},
            )
        await db.commit()
        return Response({"member_id": member_id, "language": voter.language, "unit": voter.unit})

    @delete("/{member_id:str}", opt={"access": "admin"}, status_code=200)
    async def remove(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        member_id: FromPath[str],
        db: Db,
    ) -> dict[str, Any]:
        election = await get_election(db, election_id, lock=True)
        await voters.remove_voter(db, acting(request), election, member_id)
        await db.commit()
        return {"removed": member_id}


class VoterLinkController(Controller):
    path = "/api/elections/{election_id:str}"

    @post("/voters/{member_id:str}/reissue", opt={"access": "admin"}, status_code=200)
    async def reissue(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        member_id: FromPath[str],
        db: Db,
    ) -> dict[str, Any]:
        election = await get_election(db, election_id)
        voter = await voters.find_voter(db, election, member_id)
        await voters.reissue(db, acting(request), election, voter)
        await db.commit()
        return {"reissued": member_id}

    @post("/voters/{member_id:str}/revoke", opt={"access": "admin"}, status_code=200)
    async def revoke(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        member_id: FromPath[str],
        db: Db,
        data: JSONBody[RevokeIn],
    ) -> dict[str, Any]:
        election = await get_election(db, election_id)
        voter = await voters.find_voter(db, election, member_id)
        await voters.revoke(
            db, acting(request), election, voter, voted_on_paper=data.voted_on_paper
        )
        await db.commit()
        return {"revoked": member_id}

    @post("/reminders", opt={"access": "admin"}, status_code=200)
    async def reminders(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> dict[str, Any]:
        election = await get_election(db, election_id)
        queued = await voters.send_reminders(db, acting(request), election)
        await db.commit()
        return {"queued": queued}


class ReportController(Controller):
    path = "/api"

    @get("/elections/{election_id:str}/turnout", opt={"access": "staff"})
    async def election_turnout(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> dict[str, Any]:
        """Counts for every staff reader; the names only for those who may see them."""
        await get_election(db, election_id)
        names = await sees_names(db, reader_of(request), election_id)
        t = await turnout(db, election_id, names=names)
        return {**asdict(t), "not_voted": t.not_voted}

    @get("/elections/{election_id:str}/mail", opt={"access": "staff"})
    async def mail(self, election_id: FromPath[str], db: Db) -> dict[str, Any]:
        await get_election(db, election_id)
        return await delivery(db, election_id)

    @get("/elections/{election_id:str}/board", opt={"access": "public"})
    async def board(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> dict[str, Any]:
        await get_election(db, election_id)
        return {
            "election_id": election_id,
            "board_key": request.app.state.secrets.board_key.public_hex,
            "entries": [entry_json(r) for r in await board_entries(db, election_id)],
            "heads": [head_json(h) for h in await board_heads(db, election_id)],
        }

    @get("/audit", opt={"access": "staff"})
    async def activity_log(self, request: Request[Any, Any, Any], db: Db) -> list[dict[str, Any]]:
        """The committee's activity log (the URL keeps its first name); member numbers
        hidden where the reader may see counts only."""
        rows = await activity_for(db, reader_of(request), await activity_entries(db))
        return [activity_json(a) for a in rows]


ROLL_CONTROLLERS = [RollController, VoterLinkController, ReportController]
