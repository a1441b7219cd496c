"""What an election's public board says about its definition, count and certification.

Every figure the observer pages show comes from the board's entries and the definition on
the board, never from the service's private tables: what observers read is exactly what
the downloadable record proves, and ``ballot verify`` checks the same entries.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from litestar import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.election.outcome import OutcomeRule, RuleError
from ballot.election.result import outcome_rule
from ballot.record.kinds import MIX_KINDS, Kind
from ballot.service.acting import get_election
from ballot.store.models import BoardEntryRow
from ballot.web.ballot_page import manifest_languages
from ballot.web.observer.words import page_language

#: Board kinds the result page reads (ballots, partial decryptions and notes are not needed).
RESULT_KINDS: Final = (
    Kind.DEFINED,
    Kind.WITHDRAWN,
    Kind.CEREMONY,
    Kind.ROLL,
    Kind.OPENED,
    Kind.CLOSED,
    Kind.DECIDED,
    Kind.RESULT,
    *MIX_KINDS,
    Kind.CERTIFIED,
)


@dataclass(frozen=True)
class Posted:
    """One board entry as published (its payload parsed)."""

    seq: int
    kind: str
    at: str
    hash: str
    payload: dict[str, Any]

    @classmethod
    def from_row(cls, row: BoardEntryRow) -> Posted:
        payload = json.loads(row.payload)
        return cls(
            row.seq, row.kind, row.at, row.hash, payload if isinstance(payload, dict) else {}
        )


@dataclass
class BoardFacts:
    """What the board says about an election's definition, count and certification."""

    definition: dict[str, Any] | None = None
    manifest_hash: str | None = None
    fingerprint: str | None = None
    eligible: int | None = None
    opened: bool = False
    closed: Posted | None = None
    decisions: list[Posted] = field(default_factory=list)
    results: list[Posted] = field(default_factory=list)
    certification: Posted | None = None
    #: The mix-net of the ranked races (PROTOCOL 18), payloads summarised (:func:`_posted`):
    #: each trustee's shuffle and partial decryption by trustee number only, the result's
    #: races by their counts.
    shuffles: list[Posted] = field(default_factory=list)
    mix_completed: Posted | None = None
    mix_partials: list[Posted] = field(default_factory=list)
    mix_result: Posted | None = None

    @property
    def final(self) -> Posted | None:
        """The result that decides the vote: a round 2, or a round 1 whose challenges
        are not determinative.  ``None`` while the count is missing or must be revised."""
        if not self.results:
            return None
        last = self.results[-1]
        if round_of(last) >= 2 or not last.payload.get("result", {}).get("determinative"):
            return last
        return None

    @property
    def certified(self) -> Posted | None:
        """The certification, if it names the final result (by round and entry hash)."""
        final, cert = self.final, self.certification
        if final is None or cert is None:
            return None
        if cert.payload.get("result_hash") != final.hash:
            return None
        if cert.payload.get("round", round_of(final)) != round_of(final):
            return None
        return cert


def round_of(entry: Posted) -> int:
    """The count round a result or certification names (1 if it names none)."""
    value = entry.payload.get("round", 1)
    return value if isinstance(value, int) and not isinstance(value, bool) else 1


def facts_from(entries: Iterable[Posted]) -> BoardFacts:
    """Fold board entries (in board order) into :class:`BoardFacts`.

    A later ``election.defined`` starts the definition over (after ``election.withdrawn``),
    so everything read before it is dropped, as the record's verifier does.
    """
    facts = BoardFacts()
    for e in entries:
        p = e.payload
        if e.kind == Kind.DEFINED:
            facts = BoardFacts(
                definition=p.get("definition") if isinstance(p.get("definition"), dict) else None,
                manifest_hash=p.get("manifest_hash"),
            )
        elif e.kind == Kind.CEREMONY:
            facts.fingerprint = p.get("fingerprint")
        elif e.kind == Kind.ROLL and isinstance(p.get("eligible"), int):
            facts.eligible = p["eligible"]
        elif e.kind == Kind.OPENED:
            facts.opened = True
        elif e.kind == Kind.CLOSED:
            facts.closed = e
        elif e.kind == Kind.DECIDED:
            facts.decisions.append(e)
        elif e.kind == Kind.RESULT and isinstance(p.get("result"), dict):
            facts.results.append(e)
        elif e.kind == Kind.CERTIFIED and facts.certification is None:
            facts.certification = e
        elif e.kind == Kind.MIX_SHUFFLED:
            facts.shuffles.append(e)
        elif e.kind == Kind.MIX_COMPLETED and facts.mix_completed is None:
            facts.mix_completed = e
        elif e.kind == Kind.MIX_PARTIAL:
            facts.mix_partials.append(e)
        elif e.kind == Kind.MIX_RESULT and facts.mix_result is None:
            facts.mix_result = e
    return facts


#: What the pages read of the entries that are large, by entry hash: a committed roll
#: lists every member's alias (megabytes for a large vote), a shuffle carries its proofs
#: and a partial decryption one share per ciphertext; the pages need only the roll's
#: count, the trustee's number and each race's published count.
_SUMMARIES: dict[str, dict[str, Any]] = {}


def summary(kind: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a large entry's payload the pages read (the payload itself otherwise)."""
    if kind == Kind.ROLL:
        eligible = payload.get("eligible")
        return {"eligible": eligible} if isinstance(eligible, int) else {}
    if kind in (Kind.MIX_SHUFFLED, Kind.MIX_PARTIAL):
        return {"trustee": payload.get("trustee")}
    if kind == Kind.MIX_RESULT:
        races = payload.get("races")
        return {
            "races": {
                qid: {
                    "count": race.get("count"),
                    "ballots": len(race["ballots"]) if isinstance(race.get("ballots"), list) else 0,
                }
                for qid, race in races.items()
                if isinstance(race, Mapping)
            }
            if isinstance(races, Mapping)
            else {}
        }
    return dict(payload)


_SUMMARISED: Final = (Kind.ROLL, *MIX_KINDS)


def _posted(row: BoardEntryRow) -> Posted:
    if row.kind not in _SUMMARISED:
        return Posted.from_row(row)
    payload = _SUMMARIES.get(row.hash)
    if payload is None:
        payload = summary(row.kind, Posted.from_row(row).payload)
        if len(_SUMMARIES) > 64:
            _SUMMARIES.clear()
        _SUMMARIES[row.hash] = payload
    return Posted(row.seq, row.kind, row.at, row.hash, payload)


async def board_facts(session: AsyncSession, election_id: str) -> BoardFacts:
    rows = await session.scalars(
        select(BoardEntryRow)
        .where(BoardEntryRow.election_id == election_id, BoardEntryRow.kind.in_(RESULT_KINDS))
        .order_by(BoardEntryRow.seq)
    )
    return facts_from(_posted(r) for r in rows)


def rule_of(definition: Mapping[str, Any]) -> OutcomeRule | None:
    """The rule recorded with the vote, read as the verifier reads it (None: unusable).

    Definitions written before the rule moved to ``"rule"`` keep the short form under
    ``"outcome"``; that has the same keys as the short form, so it is read the same way.
    """
    source = definition
    if "rule" not in definition and isinstance(definition.get("outcome"), Mapping):
        source = definition["outcome"]
    try:
        return outcome_rule(source)
    except RuleError:
        return None


async def page_facts(
    request: Request[Any, Any, Any], db: AsyncSession, election_id: str, lang: str | None
) -> tuple[BoardFacts, list[str], str]:
    """What a public page of one election starts from: its facts on the board, the
    languages it offers, and the one this reader gets (404 for an unknown election)."""
    await get_election(db, election_id)
    facts = await board_facts(db, election_id)
    offered = manifest_languages(facts.definition)
    return facts, offered, page_language(request, lang, offered)
