"""The casting API: ``POST /api/cast``, ``POST /api/audited-ballots`` and the public audit check.

The voter's one-time token *is* the credential, so these routes need no session and no
CSRF cookie (a cross-site page cannot know the token).  Bodies are read with a hard
size limit (413 beyond it) and parsed strictly: exact keys, no duplicate keys, no
NaN/Infinity.  Every refusal is a 4xx JSON ``{"error": ..., "code": ...}`` and leaves the
token usable; ``code`` is stable (``link_used``, ``voting_closed``, ``ballot_invalid``...)
so the voter page can say it in the voter's language.

The cast handler reads the body once and parses it once, with the strict reader; no DTO
or signature model touches it.  Litestar's own layers cost about 30 µs a request
(measured against a bare ASGI handler: not worth leaving the route table and the
OpenAPI schema for); the database work is batched in :class:`CastQueue`.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.params import FromPath

from ballot.crypto.ballots import AuditedBallot, BallotError, check_audit, tracker, tracker_display
from ballot.election.context import ElectionContext
from ballot.election.refusal import Refused
from ballot.record.canonical import strict_loads
from ballot.service.acting import get_election
from ballot.store.casting import CastQueue, audit, cast, election_context
from ballot.web.deps import Db
from ballot.web.refusals import status_for

#: A ballot of 100 questions x 64 options would be larger, but real ones are a few KiB
#: (a yes/no ballot is about 650 bytes); 64 KiB leaves room and bounds the work per request.
MAX_BODY = 64 * 1024
#: An audit carries the ballot plus one secret per slot.
MAX_AUDIT_BODY = 128 * 1024


NO_STORE = {"Cache-Control": "no-store"}


def cast_queue(app: Any) -> CastQueue:
    """The app's group-commit queue (one per process, made on first use in its event loop)."""
    state = app.state
    queue: CastQueue | None = state.get("cast_queue")
    if queue is None:
        queue = CastQueue(state.session_factory, state.secrets.board_key, state.clock)
        state.cast_queue = queue
    return queue


def refusal(message: str, status: int, code: str = "refused") -> Response[dict[str, Any]]:
    return Response(
        {"error": message, "code": code},
        status_code=status,
        headers=NO_STORE,
    )


class BodyRefused(Exception):
    """A request body refused before it reaches the domain (its status is HTTP's own)."""

    def __init__(self, message: str, status: int, code: str = "request_invalid") -> None:
        super().__init__(message)
        self.message, self.status, self.code = message, status, code


def refused(exc: BodyRefused | Refused) -> Response[dict[str, Any]]:
    """The JSON answer to a refused body or act: ``{"error", "code"}``, never cached."""
    status = exc.status if isinstance(exc, BodyRefused) else status_for(exc.grounds)
    return refusal(exc.message, status, exc.code)


def _too_large(limit: int) -> BodyRefused:
    return BodyRefused(f"the request is too large (at most {limit} bytes)", 413, "too_large")


async def read_body(request: Request[Any, Any, Any], limit: int) -> bytes:
    """The raw body, refused (413) as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def parse_object(body: bytes, keys: set[str]) -> dict[str, Any]:
    """Strict JSON object with exactly ``keys``; BodyRefused (400) naming what is wrong."""
    try:
        data = strict_loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BodyRefused(f"the request is not valid JSON: {exc}", 400) from exc
    if not isinstance(data, dict):
        raise BodyRefused("the request must be a JSON object", 400)
    if set(data) != keys:
        raise BodyRefused(f"the request must have exactly the keys {sorted(keys)}", 400)
    return data


def _token(data: dict[str, Any]) -> str:
    token = data["token"]
    if not isinstance(token, str) or not token:
        raise BodyRefused("'token' must be the voting link's token (a string)", 400)
    return token


class CastController(Controller):
    path = "/api"

    @post(
        "/cast",
        opt={"access": "public", "exclude_from_csrf": True},
        status_code=201,
        cache_control=None,
    )
    async def cast_ballot(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """Cast one encrypted ballot with a voter token; answers with a signed receipt."""
        state = request.app.state
        try:
            data = parse_object(await read_body(request, MAX_BODY), {"token", "ballot"})
            token = _token(data)
            if not isinstance(data["ballot"], dict):
                raise BodyRefused("'ballot' must be the encrypted ballot (a JSON object)", 400)
            receipt = await cast(
                state.session_factory, token, data["ballot"], cast_queue(request.app)
            )
        except (BodyRefused, Refused) as exc:
            return refused(exc)
        return Response(receipt, status_code=201, headers=NO_STORE)

    @post(
        "/audited-ballots",
        opt={"access": "public", "exclude_from_csrf": True},
        status_code=201,
        cache_control=None,
    )
    async def audit_ballot(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        """Publish a Benaloh-audited (spoiled) ballot; its ciphertexts can never be cast."""
        state = request.app.state
        try:
            data = parse_object(await read_body(request, MAX_AUDIT_BODY), {"token", "audit"})
            token = _token(data)
            if not isinstance(data["audit"], dict):
                raise BodyRefused("'audit' must be the audited ballot (a JSON object)", 400)
            result = await audit(
                state.session_factory, token, data["audit"], state.secrets.board_key, state.clock
            )
        except (BodyRefused, Refused) as exc:
            return refused(exc)
        return Response(result, status_code=201, headers=NO_STORE)

    @post(
        "/elections/{election_id:str}/audit-check",
        opt={"access": "public", "exclude_from_csrf": True},
        status_code=200,
    )
    async def audit_check(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> Response[dict[str, Any]]:
        """Anyone may check an audited ballot against this election's public keys."""
        try:
            body = await read_body(request, MAX_AUDIT_BODY)
            election = await get_election(db, election_id)
            context = election_context(election)
            try:
                data = strict_loads(body)
                audited = AuditedBallot.from_json(data)
                unit, selections = _check_some_layout(context, audited)
            except (UnicodeDecodeError, ValueError, BallotError) as exc:
                return Response({"valid": False, "error": str(exc)}, status_code=422)
        except (BodyRefused, Refused) as exc:
            return refused(exc)
        track = tracker(audited.ballot)
        questions = context.definition["questions"]
        on_ballot = context.manifest.on_ballot(unit)
        return Response(
            {
                "valid": True,
                "tracker": track,
                "tracker_short": tracker_display(track),
                # One per question on the ballot (its layout's, PROTOCOL 8): a ranked
                # race's candidates in the order ranked.
                "questions": [questions[qi]["id"] for qi in on_ballot],
                "selections": [
                    [questions[qi]["options"][i]["id"] for i in chosen]
                    for qi, chosen in zip(on_ballot, selections, strict=True)
                ],
                **({"unit": unit or ""} if context.manifest.has_units else {}),
            },
            status_code=200,
        )


def _check_some_layout(
    context: ElectionContext, audited: AuditedBallot
) -> tuple[str | None, tuple[tuple[int, ...], ...]]:
    """Check an audit by the layout of the unit it was made for, and say which.

    With per-unit races a ballot carries its member's unit's races; the audit names no
    unit, but every proof is bound to its question's definition index, so at most one
    layout checks out: each is tried, the layout without unit first.  BallotError (the
    first layout's reason) when none does.
    """
    manifest = context.manifest
    units = sorted({q.unit for q in manifest.questions if q.unit is not None})
    first: BallotError | None = None
    for unit in [None, *units]:
        try:
            found = check_audit(
                manifest, context.joint_public_key, context.fingerprint, audited, unit=unit
            )
        except BallotError as exc:
            first = first or exc
            continue
        return unit, found
    assert first is not None
    raise first
