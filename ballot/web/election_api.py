"""JSON API for elections: definitions, texts, state changes, trustees and the ceremony.

Small typed controllers; request bodies are msgspec Structs, validated again by the
service so errors read the same in the API and on the pages.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromPath, JSONBody
from sqlalchemy import select

from ballot.election.refusal import Grounds, Refused
from ballot.service import ceremony, elections, lifecycle
from ballot.service.acting import get_election, invalid, require_state
from ballot.store.definition import Definition, DefinitionError, parse_definition
from ballot.store.elections import missing_translations, texts_by_language
from ballot.store.models import Election, ElectionTrustee
from ballot.store.roll import roll_size
from ballot.store.tokens import token_counts
from ballot.web.deps import Db, account_of, acting


class TargetIn(msgspec.Struct):
    target: str


class TrusteeIn(msgspec.Struct):
    email: str
    position: int


class PassphrasesIn(msgspec.Struct):
    passphrases: list[str]


def election_view(e: Election) -> dict[str, Any]:
    return {
        "id": e.id,
        "kind": e.kind,
        "state": e.state,
        "rule": e.rule,
        "supermajority": e.supermajority,
        "quorum": e.quorum,
        "allow_blank": e.allow_blank,
        "revoting": e.revoting,
        "opens_at": e.opens_at.isoformat() if e.opens_at else None,
        "closes_at": e.closes_at.isoformat() if e.closes_at else None,
        "trustees": {"n": e.trustees_n, "k": e.trustees_k},
        "manifest_hash": e.manifest_hash,
        "joint_public_key": e.joint_public_key,
        "board_key": e.board_key,
        "eligible": e.eligible_count,
        "subtotals": (
            {"by": "unit", "min_size": e.subtotal_min_size}
            if e.subtotal_min_size is not None
            else None
        ),
        "objection_days": e.objection_days,
        "time_zone": e.time_zone,
        # The committee's name is a text (key "committee", under "texts"); its contact here.
        "committee_contact": json.loads(e.committee_contact) if e.committee_contact else None,
    }


async def _definition(request: Request[Any, Any, Any]) -> Definition:
    try:
        data = json.loads(await request.body())
    except ValueError as exc:
        raise invalid("the body must be a JSON election definition", "not_json") from exc
    if not isinstance(data, dict):
        raise invalid("the body must be a JSON object", "not_an_object")
    try:
        return parse_definition(data)
    except DefinitionError as exc:
        raise invalid(
            "the election definition has problems: " + exc.message, "definition_invalid"
        ) from exc


class ElectionController(Controller):
    path = "/api/elections"

    @get("/", opt={"access": "staff"})
    async def list_elections(self, db: Db) -> list[dict[str, Any]]:
        rows = await db.scalars(select(Election).order_by(Election.created_at))
        return [election_view(e) for e in rows]

    @post("/", opt={"access": "admin"})
    async def create(self, request: Request[Any, Any, Any], db: Db) -> Response[Any]:
        definition = await _definition(request)
        election = await elections.create_election(db, acting(request), definition)
        await db.commit()
        return Response(election_view(election), status_code=201)

    @get("/{election_id:str}", opt={"access": "election"})
    async def show(self, election_id: FromPath[str], db: Db) -> dict[str, Any]:
        election = await get_election(db, election_id)
        view = election_view(election)
        view["texts"] = await texts_by_language(db, election_id)
        view["missing_translations"] = await missing_translations(db, election_id)
        view["roll_size"] = await roll_size(db, election_id)
        view["tokens"] = await token_counts(db, election_id)
        return view

    @put("/{election_id:str}", opt={"access": "admin"})
    async def update(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> dict[str, Any]:
        election = await get_election(db, election_id, lock=True)
        require_state(election, "draft", doing="change the election definition")
        definition = await _definition(request)
        await elections.redefine(db, acting(request), election, definition)
        await db.commit()
        return election_view(election)

    @put("/{election_id:str}/translations/{language:str}", opt={"access": "admin"})
    async def translations(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        language: FromPath[str],
        db: Db,
        data: JSONBody[dict[str, str]],
    ) -> dict[str, Any]:
        election = await get_election(db, election_id, lock=True)
        await elections.set_texts(db, acting(request), election, language, data)
        await db.commit()
        return {"missing_translations": await missing_translations(db, election_id)}

    @post("/{election_id:str}/state", opt={"access": "admin"}, status_code=200)
    async def change_state(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        data: JSONBody[TargetIn],
    ) -> dict[str, Any]:
        election = await get_election(db, election_id, lock=True)
        await lifecycle.transition(db, acting(request), election, data.target)
        await db.commit()
        return election_view(election)

    @post("/{election_id:str}/trustees", opt={"access": "admin"}, status_code=201)
    async def add_trustee(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        data: JSONBody[TrusteeIn],
    ) -> dict[str, Any]:
        election = await get_election(db, election_id, lock=True)
        account = await ceremony.name_trustee(
            db, acting(request), election, data.email, data.position
        )
        await db.commit()
        return {"position": data.position, "email": account.email}


class CeremonyController(Controller):
    path = "/api/elections/{election_id:str}/ceremony"

    @get("/", opt={"access": "election"})
    async def show(self, election_id: FromPath[str], db: Db) -> dict[str, Any]:
        election = await get_election(db, election_id)
        seats = await db.scalars(
            select(ElectionTrustee).where(ElectionTrustee.election_id == election_id)
        )
        return {
            "state": election.state,
            "manifest": json.loads(election.manifest) if election.manifest else None,
            "manifest_hash": election.manifest_hash,
            "trustees": {"n": election.trustees_n, "k": election.trustees_k},
            "submissions": [
                {"position": s.position, "submitted": s.public_data is not None} for s in seats
            ],
            "joint_public_key": election.joint_public_key,
        }

    @post("/local", opt={"access": "admin"}, status_code=200)
    async def local(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        data: JSONBody[PassphrasesIn],
    ) -> dict[str, Any]:
        election = await get_election(db, election_id, lock=True)
        sealed = await ceremony.run_local_ceremony(db, acting(request), election, data.passphrases)
        await db.commit()
        return {
            "joint_public_key": election.joint_public_key,
            "trustee_keys": [base64.b64encode(s).decode() for s in sealed],
        }

    @post("/trustee", opt={"access": "trustee"}, status_code=200)
    async def trustee_data(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        data: JSONBody[dict[str, Any]],
    ) -> dict[str, Any]:
        election = await get_election(db, election_id, lock=True)
        seat = await db.scalar(
            select(ElectionTrustee).where(
                ElectionTrustee.election_id == election_id,
                ElectionTrustee.account_id == account_of(request).id,
            )
        )
        if seat is None:  # the guard admits only seated trustees; belt and braces
            raise Refused(
                "you hold no trustee seat in this election",
                code="no_seat",
                grounds=Grounds.FORBIDDEN,
            )
        await ceremony.trustee_submission(db, acting(request), election, seat, data)
        await db.commit()
        return {"position": seat.position, "accepted": True}

    @post("/transcript", opt={"access": "admin"}, status_code=200)
    async def transcript(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        data: JSONBody[dict[str, Any]],
    ) -> dict[str, Any]:
        election = await get_election(db, election_id, lock=True)
        await ceremony.accept_transcript(db, acting(request), election, data)
        await db.commit()
        return {"joint_public_key": election.joint_public_key}


ELECTION_CONTROLLERS = [ElectionController, CeremonyController]
