"""Look up an alias (``/board/<id>/alias``, public; JSON at ``/api/elections/<id>/aliases/<alias>``).

A member types the alias from their invitation and sees what the public board holds under
it: no ballot, or a ballot with its tracker, and any reissue or revocation of their link
(PROTOCOL 11.8).  A member who did not vote can so see a ballot cast in their name, which
before was "detected only organisationally" (THREAT_MODEL).  Everything shown comes from
board entries, which anyone can read; the page learns nothing about who asks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.crypto.ballots import tracker_display
from ballot.election.identity import time_zone_of
from ballot.election.refusal import Refused
from ballot.record.aliases import normalise_alias
from ballot.record.kinds import BALLOT_KINDS, Kind
from ballot.service.acting import get_election
from ballot.store.aliases import entries_of_alias, on_roll, uses_aliases
from ballot.store.casting import election_context
from ballot.store.models import Election
from ballot.web.ballot_page import manifest_languages, render
from ballot.web.deps import Db
from ballot.web.observer.words import page_language, page_title, when

#: How the page names each link event (templates get these codes, never board kinds).
_EVENTS = {
    Kind.ROLL_ADDED: "added",
    Kind.REISSUED: "reissued",
    Kind.REVOKED: "revoked",
    Kind.PAPER_RECEIVED: "paper",
    Kind.PAPER_SET_ASIDE: "set_aside",
}


@dataclass
class AliasFinding:
    """What the board holds under one alias."""

    alias: str
    on_roll: bool
    ballot: dict[str, Any] | None = None  # seq, at, challenged, tracker, tracker_short
    events: list[dict[str, Any]] = field(default_factory=list)  # seq, at, event[, paper]
    #: Revoting (PROTOCOL 11.10): earlier ballots the last one (``ballot``) replaced.
    replaced: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out = {
            "alias": self.alias,
            "on_roll": self.on_roll,
            "ballot": self.ballot,
            "events": self.events,
        }
        if self.replaced:
            out["replaced"] = self.replaced
        return out


async def find_alias(session: AsyncSession, election_id: str, alias: str) -> AliasFinding:
    """The board's entries under ``alias`` (already in its board spelling)."""
    found = AliasFinding(alias, await on_roll(session, election_id, alias))
    for row in await entries_of_alias(session, election_id, alias):
        if row.kind in BALLOT_KINDS:
            if found.ballot is not None:  # revoting: the later ballot replaces it
                found.replaced.append(found.ballot)
            tracker = json.loads(row.payload).get("tracker", "")
            found.ballot = {
                "seq": row.seq,
                "at": row.at,
                "challenged": row.kind == Kind.CHALLENGED,
                "tracker": tracker,
                "tracker_short": tracker_display(tracker) if tracker else "",
            }
        elif row.kind in _EVENTS:
            event: dict[str, Any] = {"seq": row.seq, "at": row.at, "event": _EVENTS[Kind(row.kind)]}
            if row.kind == Kind.REVOKED:
                event["voted_on_paper"] = json.loads(row.payload).get("voted_on_paper") is True
            found.events.append(event)
    return found


def _fingerprint(election: Election) -> str | None:
    try:
        return election_context(election).fingerprint_grouped
    except Refused:
        return None


class AliasController(Controller):
    path = "/"

    @get("/api/elections/{election_id:str}/aliases/{alias:str}", opt={"access": "public"})
    async def alias_json(
        self, election_id: FromPath[str], alias: FromPath[str], db: Db
    ) -> Response[dict[str, Any]]:
        """What the board holds under one alias: a ballot (tracker) or none, link events."""
        await get_election(db, election_id)
        spelled = normalise_alias(alias)
        if spelled is None:
            return Response(
                {"error": "an alias looks like 7K3QD-M9XAT (ten letters and digits)"},
                status_code=400,
            )
        found = await find_alias(db, election_id, spelled)
        if not found.on_roll:
            return Response({"error": "this alias is not on the election's roll"}, status_code=404)
        return Response(found.to_json(), status_code=200)

    @get("/board/{election_id:str}/alias", opt={"access": "public"}, cache_control=None)
    async def alias_page(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        alias: FromQuery[str | None] = None,
        lang: FromQuery[str | None] = None,
    ) -> Response[str]:
        """Type an alias, see whether a ballot was cast under it."""
        election = await get_election(db, election_id)
        definition = json.loads(election.manifest) if election.manifest else None
        offered = manifest_languages(definition)
        language = page_language(request, lang, offered)
        search: dict[str, Any] | None = None
        if alias:
            spelled = normalise_alias(alias)
            search = {"query": alias[:100], "valid": spelled is not None}
            if spelled is not None:
                found = await find_alias(db, election_id, spelled)
                search["found"] = found
                zone = time_zone_of(definition)
                search["ballot_at"] = (
                    when(found.ballot["at"], language, zone) if found.ballot else None
                )
                search["events"] = [
                    {**e, "when": when(e["at"], language, zone)} for e in found.events
                ]
                search["replaced"] = [
                    {**b, "when": when(b["at"], language, zone)} for b in found.replaced
                ]
        return render(
            language,
            "observer/alias.html",
            languages=offered,
            election_id=election_id,
            title=page_title(definition, language, election_id),
            # "pending": the roll is committed when voting opens; "none": a board from before
            # aliases (protocol v1); "committed": aliases can be looked up.
            roll=(
                "none"
                if election.opened_at is not None and not uses_aliases(election)
                else "committed"
                if election.opened_at is not None
                else "pending"
            ),
            fingerprint=_fingerprint(election),
            search=search,
        )
