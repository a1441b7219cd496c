"""The public bulletin board: pages and a paginated JSON API anyone may read.

What is public: the election definition, the joint public key and the trustees'
ceremony transcript (so anyone can recompute the election fingerprint), every entry of
the hash-chained board, every ballot's tracker in board order, and the latest signed
head.  A voter finds their tracker by its full hex or by the short form on the receipt
(the short form is the first 80 bits of the tracker, so the look-up is a prefix search).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery
from sqlalchemy import literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.crypto.ballots import tracker_display
from ballot.election.context import fingerprint_display
from ballot.election.refusal import Refused
from ballot.i18n import normalise, translations
from ballot.record.kinds import Kind
from ballot.service.acting import get_election
from ballot.service.witnesses import named_witnesses
from ballot.store.board import entry_json, head_json, latest_head
from ballot.store.cast_tables import CastBallot, ChallengedBallot
from ballot.store.casting import election_context
from ballot.store.models import BoardEntryRow, Election
from ballot.store.revotes import replaced_among
from ballot.store.witnesses import latest_by_witness
from ballot.web.ballot_page import data_block, identity_context, manifest_languages, render
from ballot.web.deps import Db
from ballot.web.observer.words import page_language, state_words
from ballot.web.validation import PAGE_SIZE, BoardSeq, PageSize

_HEX64 = re.compile(r"[0-9a-f]{64}")
_SHORT = re.compile(r"[A-Z2-7]{4}(-?[A-Z2-7]{4}){3}")


@dataclass(frozen=True)
class TrackerRow:
    seq: int
    kind: str
    tracker: str
    challenge: str | None
    #: Revoting: a later ballot of the same member replaced this one (it is not counted).
    replaced: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "seq": self.seq,
            "kind": self.kind,
            "tracker": self.tracker,
            "tracker_short": tracker_display(self.tracker),
        }
        if self.challenge is not None:
            out["challenge"] = self.challenge
        if self.replaced:
            out["replaced"] = True
        return out


def _tracker_query(election_id: str) -> Any:
    cast = select(
        CastBallot.board_seq.label("seq"),
        literal(str(Kind.CAST)).label("kind"),
        CastBallot.tracker.label("tracker"),
        literal(None).label("challenge"),
    ).where(CastBallot.election_id == election_id)
    challenged = select(
        ChallengedBallot.board_seq.label("seq"),
        literal(str(Kind.CHALLENGED)).label("kind"),
        ChallengedBallot.tracker.label("tracker"),
        ChallengedBallot.id.label("challenge"),
    ).where(ChallengedBallot.election_id == election_id)
    return union_all(cast, challenged).subquery()


async def trackers(
    session: AsyncSession, election_id: str, after: int = -1, limit: int = PAGE_SIZE
) -> list[TrackerRow]:
    """Ballot trackers in board order, after board position ``after``."""
    q = _tracker_query(election_id)
    rows = await session.execute(
        select(q.c.seq, q.c.kind, q.c.tracker, q.c.challenge)
        .where(q.c.seq > after)
        .order_by(q.c.seq)
        .limit(limit)
    )
    found = list(rows)
    replaced = await replaced_among(session, election_id, [r.seq for r in found])
    return [TrackerRow(r.seq, r.kind, r.tracker, r.challenge, r.seq in replaced) for r in found]


def tracker_prefix(text: str) -> str | None:
    """Hex prefix to search for: the full tracker, or the 80 bits of the short form."""
    t = text.strip()
    if _HEX64.fullmatch(t.lower()):
        return t.lower()
    compact = t.upper().replace(" ", "")
    if _SHORT.fullmatch(compact):
        try:
            return base64.b32decode(compact.replace("-", "")).hex()
        except binascii.Error:
            return None
    return None


async def find_tracker(session: AsyncSession, election_id: str, text: str) -> TrackerRow | None:
    prefix = tracker_prefix(text)
    if prefix is None:
        return None
    q = _tracker_query(election_id)
    row = (
        await session.execute(
            select(q.c.seq, q.c.kind, q.c.tracker, q.c.challenge)
            .where(q.c.tracker.startswith(prefix, autoescape=True))
            .order_by(q.c.seq)
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    replaced = bool(await replaced_among(session, election_id, [row.seq]))
    return TrackerRow(row.seq, row.kind, row.tracker, row.challenge, replaced)


async def board_page(
    session: AsyncSession, election_id: str, after: int, limit: int
) -> list[BoardEntryRow]:
    rows = await session.scalars(
        select(BoardEntryRow)
        .where(BoardEntryRow.election_id == election_id, BoardEntryRow.seq > after)
        .order_by(BoardEntryRow.seq)
        .limit(limit)
    )
    return list(rows)


def public_data(election: Election, server_key: str) -> dict[str, Any]:
    """Everything needed to recompute the fingerprint and check ballots and heads."""
    out: dict[str, Any] = {
        "election_id": election.id,
        "state": election.state,
        "definition": json.loads(election.manifest) if election.manifest else None,
        "manifest_hash": election.manifest_hash,
        "joint_public_key": election.joint_public_key,
        "transcript": json.loads(election.ceremony) if election.ceremony else None,
        "server_key": server_key,
        "verification_keys": None,
        "fingerprint": None,
    }
    try:
        context = election_context(election)
    except Refused as exc:
        out["keys_problem"] = exc.message
    else:
        out["verification_keys"] = [key.hex() for key in context.verification_keys]
        out["fingerprint"] = context.fingerprint_hex
    return out


async def witness_rows(session: AsyncSession, election: Election) -> list[dict[str, Any]]:
    """The definition in force's witnesses, each with the furthest entry it cosigned."""
    named = named_witnesses(election)
    latest = await latest_by_witness(session, election.id) if named else {}
    return [
        {"name": name, "public_key": key, **latest.get(key, {"seq": None, "at": None})}
        for key, name in named.items()
    ]


def _next_after(rows: list[Any], n: int) -> int | None:
    """Where the next page starts, or None when this page was the last."""
    return rows[-1].seq if len(rows) == n else None


def _title(definition: dict[str, Any] | None, language: str) -> str:
    titles = (definition or {}).get("title") or {}
    return str(titles.get(language) or titles.get("en") or "")


class BoardApiController(Controller):
    path = "/api/elections/{election_id:str}"

    @get("/public", opt={"access": "public"})
    async def public(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> dict[str, Any]:
        election = await get_election(db, election_id)
        return public_data(election, request.app.state.secrets.board_key.public_hex)

    @get("/board/entries", opt={"access": "public"})
    async def entries(
        self,
        election_id: FromPath[str],
        db: Db,
        after: BoardSeq = -1,
        limit: PageSize = PAGE_SIZE,
    ) -> dict[str, Any]:
        await get_election(db, election_id)
        rows = await board_page(db, election_id, after, limit)
        return {
            "election_id": election_id,
            "entries": [entry_json(r) for r in rows],
            "next_after": _next_after(rows, limit),
        }

    @get("/trackers", opt={"access": "public"})
    async def tracker_list(
        self,
        election_id: FromPath[str],
        db: Db,
        after: BoardSeq = -1,
        limit: PageSize = PAGE_SIZE,
    ) -> dict[str, Any]:
        await get_election(db, election_id)
        rows = await trackers(db, election_id, after, limit)
        return {
            "election_id": election_id,
            "trackers": [r.to_json() for r in rows],
            "next_after": _next_after(rows, limit),
        }

    @get("/trackers/{tracker:str}", opt={"access": "public"})
    async def tracker_lookup(
        self, election_id: FromPath[str], tracker: FromPath[str], db: Db
    ) -> Response[dict[str, Any]]:
        await get_election(db, election_id)
        if tracker_prefix(tracker) is None:
            return Response(
                {"error": "give the full tracker (64 hex) or its short form ABCD-EFGH-IJKL-MNOP"},
                status_code=400,
            )
        found = await find_tracker(db, election_id, tracker)
        if found is None:
            return Response(
                {"error": "no ballot with this tracker is on the board"}, status_code=404
            )
        return Response({"found": True, **found.to_json()}, status_code=200)

    @get("/head", opt={"access": "public"}, cache_control=None)
    async def head(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> Response[dict[str, Any]]:
        await get_election(db, election_id)
        row = await latest_head(db, election_id)
        return Response(
            {
                "election_id": election_id,
                "server_key": request.app.state.secrets.board_key.public_hex,
                "head": head_json(row) if row is not None else None,
            },
            headers={"Cache-Control": "no-store"},
        )


class BoardPageController(Controller):
    path = "/board"

    @get("/{election_id:str}", opt={"access": "public"}, cache_control=None)
    async def board(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        tracker: FromQuery[str | None] = None,
        after: BoardSeq = -1,
        lang: FromQuery[str | None] = None,
    ) -> Response[str]:
        election = await get_election(db, election_id)
        data = public_data(election, request.app.state.secrets.board_key.public_hex)
        offered = manifest_languages(data["definition"])
        language = page_language(request, lang, offered)
        rows = await trackers(db, election_id, after, PAGE_SIZE)
        head = await latest_head(db, election_id)
        witnesses = await witness_rows(db, election)
        search: dict[str, Any] | None = None
        if tracker:
            found = await find_tracker(db, election_id, tracker)
            search = {
                "query": tracker,
                "valid": tracker_prefix(tracker) is not None,
                "found": found.to_json() if found else None,
            }
        return render(
            language,
            "board/board.html",
            **identity_context(data["definition"], language),
            state=state_words(election.state, translations(language).gettext),
            languages=offered,
            title=_title(data["definition"], language),
            election=data,
            trackers=[{**r.to_json(), "challenged": r.kind == Kind.CHALLENGED} for r in rows],
            next_after=rows[-1].seq if len(rows) == PAGE_SIZE else None,
            head=head_json(head) if head is not None else None,
            witnesses=witnesses,
            search=search,
            fingerprint=fingerprint_display(data["fingerprint"]) if data["fingerprint"] else None,
        )


class AuditPageController(Controller):
    path = "/audit"

    @get("/", opt={"access": "public"})
    async def audit_page(
        self,
        request: Request[Any, Any, Any],
        election: FromQuery[str | None] = None,
        lang: FromQuery[str | None] = None,
    ) -> Response[str]:
        """Paste an audited ballot and check it here (in the browser) and on the server."""
        language = normalise(lang or request.headers.get("accept-language"))
        _ = translations(language).gettext
        strings = {
            "checking": _("Checking…"),
            "not_json": _("The audit data is not valid JSON."),
            "no_election": _("No such election."),
            "fingerprint_mismatch": _(
                "The election's fingerprint does not match its keys: do not trust this election's "
                "data."
            ),
            "browser_ok": _("Checked in this browser: the ballot holds these choices:"),
            "browser_bad": _("The check in this browser failed:"),
            "server_ok": _("Checked by the server: valid. Tracker"),
            "server_bad": _("The server's check failed:"),
            "blank": _("Blank ballot"),
        }
        return render(
            language,
            "board/audit.html",
            languages=[],
            election_id=election or "",
            data=data_block({"language": language, "strings": strings}),
        )


BOARD_CONTROLLERS = [BoardApiController, BoardPageController, AuditPageController]
