"""Where an election's count stands, read from its board: tallies, partials, results.

The board is the single source of truth for the count, as it is for the election record.
Rounds follow labour-board practice: round 1 counts the cast ballots (plus challenges the
parties already resolved); if the undecided challenges could change the outcome
(*determinative*), every challenge is decided and round 2 adds the overruled ballots
homomorphically before it is decrypted.  There are never more than two rounds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.record.kinds import Kind
from ballot.store.board import entries_of_kind
from ballot.store.cast_tables import ChallengedBallot
from ballot.store.models import BoardEntryRow

MAX_ROUNDS: Final = 2


def payload_of(row: BoardEntryRow) -> dict[str, Any]:
    value = json.loads(row.payload)
    assert isinstance(value, dict)
    return value


@dataclass
class CountState:
    """Where the count stands, as the board says."""

    challenges: list[ChallengedBallot]
    decisions: dict[str, tuple[str, str]]  # challenge id -> (decision, reason)
    tallies: dict[int, BoardEntryRow] = field(default_factory=dict)
    partials: dict[int, dict[int, BoardEntryRow]] = field(default_factory=dict)
    results: dict[int, BoardEntryRow] = field(default_factory=dict)
    certified: BoardEntryRow | None = None

    @property
    def pending_round(self) -> int | None:
        """The round whose tally is taken but not yet decrypted, if any."""
        for r, _row in sorted(self.tallies.items()):
            if r not in self.results:
                return r
        return None

    @property
    def final_round(self) -> int | None:
        """The round whose result is final: round 2, or a round 1 not determinative."""
        if 2 in self.results:
            return 2
        if 1 in self.results and not self.result(1)["determinative"]:
            return 1
        return None

    @property
    def latest_round(self) -> int | None:
        return max(self.results) if self.results else None

    def result(self, round_: int) -> dict[str, Any]:
        value = payload_of(self.results[round_])["result"]
        assert isinstance(value, dict)
        return value

    def tally_payload(self, round_: int) -> dict[str, Any]:
        return payload_of(self.tallies[round_])

    def overruled(self) -> list[str]:
        return sorted(c for c, (d, _) in self.decisions.items() if d == "overruled")

    def sustained(self) -> list[str]:
        return sorted(c for c, (d, _) in self.decisions.items() if d == "sustained")

    def undecided(self) -> list[str]:
        return [c.id for c in self.challenges if c.id not in self.decisions]

    def added_after_round_one(self) -> list[str]:
        """Overruled ballots that round 2 would add to what round 1 decrypted.

        If exactly one, its vote is deducible: round 2 minus round 1.
        """
        if 1 not in self.tallies:
            return []
        before = set(self.tally_payload(1)["counted"]["overruled"])
        return [c for c in self.overruled() if c not in before]


async def count_state(session: AsyncSession, election_id: str) -> CountState:
    """Read the count's entries and the challenged pool of one election."""
    challenges = list(
        await session.scalars(
            select(ChallengedBallot)
            .where(ChallengedBallot.election_id == election_id)
            .order_by(ChallengedBallot.board_seq)
        )
    )
    state = CountState(challenges, {})
    kinds = (Kind.DECIDED, Kind.TALLY, Kind.PARTIAL, Kind.RESULT, Kind.CERTIFIED)
    for row in await entries_of_kind(session, election_id, kinds):
        p = payload_of(row)
        if row.kind == Kind.DECIDED:
            state.decisions[p["challenge"]] = (p["decision"], p["reason"])
        elif row.kind == Kind.TALLY:
            state.tallies[p["round"]] = row
        elif row.kind == Kind.PARTIAL:
            state.partials.setdefault(p["round"], {})[p["trustee"]] = row
        elif row.kind == Kind.RESULT:
            state.results[p["round"]] = row
        else:
            state.certified = row
    return state
