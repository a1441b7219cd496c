"""JSON API under /api/: the same acts as the committee pages, for tests and the trustee CLI.

Small typed controllers; request bodies are msgspec Structs, validated again by the
domain functions so errors read the same in the API and on the pages.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict
from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.datastructures import Cookie
from litestar.params import FromPath, JSONBody
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.store import accounts as acc
from ballot.store.audit import audit, audit_entries, audit_json
from ballot.store.board import board_entries, board_heads, entry_json, head_json
from ballot.store.elections import (
    DefinitionError,
    create_election,
    missing_translations,
    parse_definition,
    replace_definition,
    set_translations,
    texts_by_language,
)
from ballot.store.models import Account, Election, ElectionTrustee
from ballot.store.roll import import_roll, remove_voter, roll_size, update_voter, voters
from ballot.store.tokens import token_counts
from ballot.store.turnout import turnout
from ballot.web import operations as ops
from ballot.web.auth import SESSION_COOKIE
from ballot.web.deps import Db, account_of, acting, client_ip

THROTTLED = "Too many failed sign-ins. Wait 15 minutes, then try again."


class LoginIn(msgspec.Struct):
    email: str
    password: str
    totp: str | None = None


class TotpCode(msgspec.Struct):
    code: str


class TotpChange(msgspec.Struct):
    password: str
    code: str | None = None


class TargetIn(msgspec.Struct):
    target: str


class AccountIn(msgspec.Struct):
    email: str
    name: str
    role: str
    password: str


class TrusteeIn(msgspec.Struct):
    email: str
    position: int


class PassphrasesIn(msgspec.Struct):
    passphrases: list[str]


class RevokeIn(msgspec.Struct):
    voted_on_paper: bool = False


def error(message: str, status: int, **extra: Any) -> Response[dict[str, Any]]:
    return Response({"error": message, **extra}, status_code=status)


def session_cookie(
    request: Request[Any, Any, Any], value: str, max_age: int | None = None
) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=value,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.cookie_secure,
        max_age=max_age,
    )


async def sign_in(
    request: Request[Any, Any, Any], db: AsyncSession, email: str, password: str, totp: str | None
) -> tuple[str | None, str]:
    """Shared by the API and the form: (session id or None, reason)."""
    now = request.app.state.clock()
    result = await acc.authenticate(
        db, email=email, password=password, totp=totp, ip=client_ip(request), now=now
    )
    if result.account is None:
        await db.commit()  # keep the recorded failure
        return None, result.reason
    await acc.clear_failures(db, email, now)
    session_id = await acc.open_session(db, result.account, now)
    await audit(db, f"account:{result.account.email}", "sign_in", now)
    await db.commit()
    return session_id, "ok"


LOGIN_MESSAGES = {
    "throttled": (THROTTLED, 429),
    "bad_credentials": ("Wrong email or password.", 401),
    "totp_required": ("Enter the code from your authenticator app.", 401),
    "bad_totp": ("That authenticator code is not right.", 401),
}


class SessionController(Controller):
    path = "/api"

    @post("/login", opt={"access": "public"}, status_code=200)
    async def login(
        self, request: Request[Any, Any, Any], db: Db, data: JSONBody[LoginIn]
    ) -> Response[Any]:
        session_id, reason = await sign_in(request, db, data.email, data.password, data.totp)
        if session_id is None:
            message, status = LOGIN_MESSAGES[reason]
            return error(message, status, reason=reason)
        return Response({"ok": True}, cookies=[session_cookie(request, session_id)])

    @post("/logout", opt={"access": "signed_in"}, status_code=200)
    async def logout(self, request: Request[Any, Any, Any], db: Db) -> Response[Any]:
        await acc.close_session(db, request.cookies.get(SESSION_COOKIE, ""))
        await db.commit()
        return Response({"ok": True}, cookies=[session_cookie(request, "", max_age=0)])

    @get("/me", opt={"access": "signed_in"})
    async def me(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        a = account_of(request)
        return {"email": a.email, "name": a.name, "role": a.role, "totp": bool(a.totp_secret)}

    @post("/account/totp", opt={"access": "signed_in"}, status_code=200)
    async def totp_start(
        self, request: Request[Any, Any, Any], db: Db, data: JSONBody[TotpChange]
    ) -> Response[Any]:
        now = request.app.state.clock()
        account = await db.get(Account, account_of(request).id)
        assert account is not None
        refused = await acc.may_change_totp(
            db, account, password=data.password, code=data.code, ip=client_ip(request), now=now
        )
        if refused is not None:
            await db.commit()
            return error(refused, 403)
        secret = acc.start_totp(account)
        await db.commit()
        return Response({"secret": secret, "uri": acc.provisioning_uri(account, secret)})

    @post("/account/totp/confirm", opt={"access": "signed_in"}, status_code=200)
    async def totp_confirm(
        self, request: Request[Any, Any, Any], db: Db, data: JSONBody[TotpCode]
    ) -> Response[Any]:
        account = await db.get(Account, account_of(request).id)
        assert account is not None
        if not await acc.confirm_totp(db, account, data.code, request.app.state.clock()):
            return error("That code does not match; try the current one.", 400)
        await audit(db, f"account:{account.email}", "totp_enabled", request.app.state.clock())
        await db.commit()
        return Response({"ok": True})


class AccountController(Controller):
    path = "/api/accounts"

    @post("/", opt={"access": "admin"})
    async def create(
        self, request: Request[Any, Any, Any], db: Db, data: JSONBody[AccountIn]
    ) -> Response[Any]:
        ctx = acting(request)
        try:
            account = await acc.create_account(
                db,
                email=data.email,
                name=data.name,
                role=data.role,
                password=data.password,
                now=ctx.now,
            )
        except acc.AccountError as exc:
            return error(str(exc), 400)
        await audit(
            db, ctx.actor, "account_created", ctx.now, email=account.email, role=account.role
        )
        await db.commit()
        return Response(
            {"id": account.id, "email": account.email, "role": account.role}, status_code=201
        )


def election_view(e: Election) -> dict[str, Any]:
    return {
        "id": e.id,
        "kind": e.kind,
        "state": e.state,
        "rule": e.rule,
        "supermajority": e.supermajority,
        "quorum": e.quorum,
        "allow_blank": e.allow_blank,
        "opens_at": e.opens_at.isoformat() if e.opens_at else None,
        "closes_at": e.closes_at.isoformat() if e.closes_at else None,
        "trustees": {"n": e.trustees_n, "k": e.trustees_k},
        "manifest_hash": e.manifest_hash,
        "joint_public_key": e.joint_public_key,
        "eligible": e.eligible_count,
        "subtotals": (
            {"by": "unit", "min_size": e.subtotal_min_size}
            if e.subtotal_min_size is not None
            else None
        ),
    }


async def _definition(request: Request[Any, Any, Any]) -> Any:
    try:
        data = json.loads(await request.body())
    except ValueError as exc:
        raise ops.OperationError("the body must be a JSON election definition", 400) from exc
    if not isinstance(data, dict):
        raise ops.OperationError("the body must be a JSON object", 400)
    try:
        return parse_definition(data)
    except DefinitionError as exc:
        raise ops.OperationError("the election definition has problems: " + str(exc), 400) from exc


class ElectionController(Controller):
    path = "/api/elections"

    @get("/", opt={"access": "staff"})
    async def list_elections(self, db: Db) -> list[dict[str, Any]]:
        rows = await db.scalars(select(Election).order_by(Election.created_at))
        return [election_view(e) for e in rows]

    @post("/", opt={"access": "admin"})
    async def create(self, request: Request[Any, Any, Any], db: Db) -> Response[Any]:
        definition = await _definition(request)
        ctx = acting(request)
        election = await create_election(db, definition, ctx.now)
        await audit(db, ctx.actor, "election_created", ctx.now, election.id)
        await db.commit()
        return Response(election_view(election), status_code=201)

    @get("/{election_id:str}", opt={"access": "election"})
    async def show(self, election_id: FromPath[str], db: Db) -> dict[str, Any]:
        election = await ops.get_election(db, election_id)
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
        election = await ops.get_election(db, election_id, lock=True)
        ops.require_state(election, "draft", doing="change the election definition")
        definition = await _definition(request)
        ctx = acting(request)
        await replace_definition(db, election, definition)
        await audit(db, ctx.actor, "election_updated", ctx.now, election.id)
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
        election = await ops.get_election(db, election_id, lock=True)
        ops.require_state(election, "draft", doing="change texts")
        try:
            await set_translations(db, election, language, data)
        except DefinitionError as exc:
            raise ops.OperationError(str(exc), 400) from exc
        ctx = acting(request)
        await audit(db, ctx.actor, "translations_set", ctx.now, election.id, language=language)
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
        election = await ops.get_election(db, election_id, lock=True)
        await ops.transition(db, acting(request), election, data.target)
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
        election = await ops.get_election(db, election_id, lock=True)
        account = await ops.name_trustee(db, acting(request), election, data.email, data.position)
        await db.commit()
        return {"position": data.position, "email": account.email}


class CeremonyController(Controller):
    path = "/api/elections/{election_id:str}/ceremony"

    @get("/", opt={"access": "election"})
    async def show(self, election_id: FromPath[str], db: Db) -> dict[str, Any]:
        election = await ops.get_election(db, election_id)
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
        election = await ops.get_election(db, election_id, lock=True)
        sealed = await ops.run_local_ceremony(db, acting(request), election, data.passphrases)
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
        election = await ops.get_election(db, election_id, lock=True)
        seat = await db.scalar(
            select(ElectionTrustee).where(
                ElectionTrustee.election_id == election_id,
                ElectionTrustee.account_id == account_of(request).id,
            )
        )
        assert seat is not None
        await ops.trustee_submission(db, acting(request), election, seat, data)
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
        election = await ops.get_election(db, election_id, lock=True)
        await ops.accept_transcript(db, acting(request), election, data)
        await db.commit()
        return {"joint_public_key": election.joint_public_key}


class RollController(Controller):
    path = "/api/elections/{election_id:str}/roll"

    @post("/", opt={"access": "admin"}, status_code=200)
    async def upload(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> Response[Any]:
        election = await ops.get_election(db, election_id, lock=True)
        ops.require_roll_editable(election)
        body = await request.body()
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            return error("the roll must be a UTF-8 CSV file", 400)
        result = await import_roll(db, election_id, text)
        if not result.ok:
            await db.rollback()
            return error(
                "the roll was not imported: fix the rows below and upload the whole file again",
                422,
                problems=[asdict(p) for p in result.problems],
            )
        ctx = acting(request)
        await audit(db, ctx.actor, "roll_imported", ctx.now, election_id, rows=result.imported)
        await db.commit()
        return Response(
            {"imported": result.imported, "roll_size": await roll_size(db, election_id)}
        )

    @get("/", opt={"access": "staff"})
    async def list_roll(self, election_id: FromPath[str], db: Db) -> list[dict[str, Any]]:
        return [
            {
                "member_id": v.member_id,
                "name": v.name,
                "email": v.email,
                "language": v.language,
                "unit": v.unit,
                "challenged": v.challenged,
                "voted": v.voted_at is not None,
            }
            for v in await voters(db, election_id)
        ]

    @put("/{member_id:str}", opt={"access": "admin"})
    async def correct(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        member_id: FromPath[str],
        db: Db,
        data: JSONBody[dict[str, Any]],
    ) -> Response[Any]:
        election = await ops.get_election(db, election_id, lock=True)
        ops.require_roll_editable(election)
        voter = await ops.find_voter(db, election, member_id)
        problems = await update_voter(db, voter, data)
        if problems:
            await db.rollback()
            return error(
                f"member {member_id} was not changed", 422, problems=[asdict(p) for p in problems]
            )
        ctx = acting(request)
        await audit(
            db,
            ctx.actor,
            "voter_corrected",
            ctx.now,
            election_id,
            member=member_id,
            fields=sorted(data),
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
        election = await ops.get_election(db, election_id, lock=True)
        ops.require_roll_editable(election)
        voter = await ops.find_voter(db, election, member_id)
        await remove_voter(db, voter)
        ctx = acting(request)
        await audit(db, ctx.actor, "voter_removed", ctx.now, election_id, member=member_id)
        await db.commit()
        return {"removed": member_id}


class VoterTokenController(Controller):
    path = "/api/elections/{election_id:str}"

    @post("/voters/{member_id:str}/reissue", opt={"access": "admin"}, status_code=200)
    async def reissue(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        member_id: FromPath[str],
        db: Db,
    ) -> dict[str, Any]:
        election = await ops.get_election(db, election_id)
        voter = await ops.find_voter(db, election, member_id)
        await ops.reissue(db, acting(request), election, voter)
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
        election = await ops.get_election(db, election_id)
        voter = await ops.find_voter(db, election, member_id)
        await ops.revoke(db, acting(request), election, voter, voted_on_paper=data.voted_on_paper)
        await db.commit()
        return {"revoked": member_id}

    @post("/reminders", opt={"access": "admin"}, status_code=200)
    async def reminders(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> dict[str, Any]:
        election = await ops.get_election(db, election_id)
        queued = await ops.send_reminders(db, acting(request), election)
        await db.commit()
        return {"queued": queued}


class ReportController(Controller):
    path = "/api"

    @get("/elections/{election_id:str}/turnout", opt={"access": "staff"})
    async def election_turnout(self, election_id: FromPath[str], db: Db) -> dict[str, Any]:
        await ops.get_election(db, election_id)
        t = await turnout(db, election_id)
        return {**asdict(t), "not_voted": t.not_voted}

    @get("/elections/{election_id:str}/mail", opt={"access": "staff"})
    async def mail(self, election_id: FromPath[str], db: Db) -> dict[str, Any]:
        from ballot.web.mailing import delivery

        await ops.get_election(db, election_id)
        return await delivery(db, election_id)

    @get("/elections/{election_id:str}/board", opt={"access": "public"})
    async def board(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> dict[str, Any]:
        await ops.get_election(db, election_id)
        return {
            "election_id": election_id,
            "board_key": request.app.state.secrets.board_key.public_hex,
            "entries": [entry_json(r) for r in await board_entries(db, election_id)],
            "heads": [head_json(h) for h in await board_heads(db, election_id)],
        }

    @get("/audit", opt={"access": "staff"})
    async def audit_log(self, db: Db) -> list[dict[str, Any]]:
        return [audit_json(a) for a in await audit_entries(db)]


API_CONTROLLERS = [
    SessionController,
    AccountController,
    ElectionController,
    CeremonyController,
    RollController,
    VoterTokenController,
    ReportController,
]
