"""Witnessed heads over HTTP: the committee names witnesses; witnesses hand in cosignatures.

* ``GET/POST /api/elections/<id>/witnesses``, ``DELETE .../witnesses/<public key>``:
  the draft's witnesses (the committee; changes only while the election is a draft);
* ``GET /api/elections/<id>/board/heads?start=N``: every signed head, oldest first (a
  witness checks each link of the chain of heads, not only the latest);
* ``POST /api/elections/<id>/cosignatures``: a witness's cosignature.  No session and no
  CSRF cookie: the signature is the credential (the service checks it, the witness's
  name in the definition in force and the head);
* ``GET /api/elections/<id>/cosignatures``: every accepted cosignature, as the record
  will carry them.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from ballot.election.refusal import Refused
from ballot.record.canonical import strict_loads
from ballot.service import witnesses
from ballot.service.acting import get_election
from ballot.store.board import head_json
from ballot.store.elections import witnesses_of
from ballot.store.witnesses import cosignatures_page, heads_page
from ballot.web.casting import NO_STORE, BodyRefused, read_body, refused
from ballot.web.deps import Db, acting
from ballot.web.validation import MAX_PAGE, PAGE_SIZE, BoardSeq, PageSize

#: A cosignature is about 500 bytes of JSON.
MAX_COSIGNATURE_BODY = 4 * 1024

HeadStart = Annotated[int, Parameter(ge=0, le=2**31 - 1, description="first head's position")]


class WitnessIn(msgspec.Struct):
    name: str
    public_key: str


def _witness_view(name: str, public_key: str) -> dict[str, str]:
    return {"name": name, "public_key": public_key}


class WitnessController(Controller):
    """The committee's list of witnesses for a draft."""

    path = "/api/elections/{election_id:str}/witnesses"

    @get("/", opt={"access": "election"})
    async def list_witnesses(self, election_id: FromPath[str], db: Db) -> dict[str, Any]:
        election = await get_election(db, election_id)
        draft = [_witness_view(w.name, w.public_key) for w in await witnesses_of(db, election_id)]
        named = witnesses.named_witnesses(election)
        return {
            "state": election.state,
            "witnesses": draft,
            "in_force": [_witness_view(n, k) for k, n in named.items()]
            if election.manifest
            else None,
        }

    @post("/", opt={"access": "admin"}, status_code=201)
    async def add(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        data: JSONBody[WitnessIn],
    ) -> dict[str, Any]:
        election = await get_election(db, election_id, lock=True)
        row = await witnesses.add_witness(db, acting(request), election, data.name, data.public_key)
        await db.commit()
        return {**_witness_view(row.name, row.public_key), "position": row.position}

    @delete("/{public_key:str}", opt={"access": "admin"}, status_code=200)
    async def remove(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        public_key: FromPath[str],
        db: Db,
    ) -> dict[str, Any]:
        election = await get_election(db, election_id, lock=True)
        await witnesses.remove_witness(db, acting(request), election, public_key)
        await db.commit()
        return {"removed": public_key.strip().lower()}


class CosignatureController(Controller):
    """The public side: heads to cosign, cosignatures in and out."""

    path = "/api/elections/{election_id:str}"

    @get("/board/heads", opt={"access": "public"}, cache_control=None)
    async def heads(
        self,
        election_id: FromPath[str],
        db: Db,
        start: FromQuery[HeadStart] = 0,
        limit: PageSize = PAGE_SIZE,
    ) -> Response[dict[str, Any]]:
        await get_election(db, election_id)
        rows = await heads_page(db, election_id, start, limit)
        return Response(
            {
                "election_id": election_id,
                "start": start,
                "heads": [head_json(r) for r in rows],
                "next_start": start + len(rows) if len(rows) == limit else None,
            },
            headers=NO_STORE,
        )

    @get("/cosignatures", opt={"access": "public"}, cache_control=None)
    async def list_cosignatures(
        self,
        election_id: FromPath[str],
        db: Db,
        after: BoardSeq = -1,
        limit: PageSize = MAX_PAGE,
    ) -> Response[dict[str, Any]]:
        election = await get_election(db, election_id)
        names = witnesses.named_witnesses(election)
        found, following = await cosignatures_page(db, election_id, after, limit)
        return Response(
            {
                "election_id": election_id,
                "cosignatures": [witnesses.cosignature_json(c, names) for c in found],
                "next_after": following,
            },
            headers=NO_STORE,
        )

    @post(
        "/cosignatures",
        opt={"access": "public", "exclude_from_csrf": True},
        status_code=201,
        cache_control=None,
    )
    async def cosign(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> Response[dict[str, Any]]:
        """A witness's cosignature of a signed head: checked, kept, published."""
        try:
            body = await read_body(request, MAX_COSIGNATURE_BODY)
            try:
                data = strict_loads(body)
            except (UnicodeDecodeError, ValueError) as exc:
                raise BodyRefused(f"the request is not valid JSON: {exc}", 400) from exc
            election = await get_election(db, election_id)
            cosignature, new = await witnesses.accept_cosignature(
                db, election, data, request.app.state.clock()
            )
            await db.commit()
        except (BodyRefused, Refused) as exc:
            return refused(exc)
        names = witnesses.named_witnesses(election)
        return Response(
            {"accepted": True, "new": new, **witnesses.cosignature_json(cosignature, names)},
            status_code=201 if new else 200,
            headers=NO_STORE,
        )


WITNESS_CONTROLLERS = [WitnessController, CosignatureController]
