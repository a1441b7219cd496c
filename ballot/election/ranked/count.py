"""A ranked count as a result publishes it: every round, in exact numbers (PROTOCOL 17.5).

Values are whole numbers of the method's **unit**: one ballot for instant runoff, 10^-5
of a vote for Scottish STV (whose rules compute to five decimal places).  JSON writes
instant-runoff values as integers and STV values as fixed decimals with exactly five
places (``"1318.58256"``), never as floats, so a verifier compares them as text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from ballot.election.ranked.ties import Tie

__all__ = [
    "FORMAT",
    "METHODS",
    "STV_SCALE",
    "Action",
    "RankedCount",
    "Round",
    "Tie",
    "Transfer",
    "fixed",
]

#: The format tag of a published count.
FORMAT: Final = "ballot/ranked-count/v1"
#: The methods, by the name a count records.
METHODS: Final = ("instant_runoff", "scottish_stv")
#: Units per vote in Scottish STV: values are kept to five decimal places.
STV_SCALE: Final = 100_000

Action = Literal["first_preferences", "surplus", "exclusion"]


def fixed(units: int, scale: int = STV_SCALE) -> str:
    """``units`` of 1/``scale`` as a fixed decimal with five places: 123456 -> "1.23456"."""
    if units < 0:
        raise ValueError("a count is never negative")
    whole, part = divmod(units, scale)
    return f"{whole}.{part:05d}"


@dataclass(frozen=True)
class Transfer:
    """Ballots moved in one round to one candidate (``to=None``: non-transferable).

    ``value`` is what each of the ``ballots`` is worth on arrival and ``votes`` their
    total, both in units; under instant runoff every ballot is worth one.
    """

    to: str | None
    ballots: int
    value: int
    votes: int


@dataclass(frozen=True)
class Round:
    """One round (a *stage* of the Scottish rules).

    ``action`` is what the round did: count first preferences (round 1), transfer the
    surplus of ``source``, or exclude ``source`` and transfer its ballots; ``tie`` says
    how ``source`` was chosen when others were level with it.  ``counts`` are every
    candidate's votes at the end of the round (an excluded candidate has 0);
    ``exhausted`` and ``loss`` are the totals so far of non-transferable votes and of
    votes lost to truncation; ``elected`` lists the candidates elected at the end of the
    round, in the order they are declared.
    """

    number: int
    action: Action
    source: str | None
    tie: Tie | None
    transfers: tuple[Transfer, ...]
    counts: Mapping[str, int]
    exhausted: int
    loss: int
    elected: tuple[str, ...]


@dataclass(frozen=True)
class RankedCount:
    """The count of one ranked race: how its ballots were read, every round, who won.

    ``quota`` (units) is set for Scottish STV only.  ``elected`` lists the winners in
    the order of election; fewer than ``seats`` means seats stay unfilled.
    """

    method: Literal["instant_runoff", "scottish_stv"]
    race: str
    candidates: tuple[str, ...]
    seats: int
    ballots: int
    blank: int
    irregular: int
    quota: int | None
    tie_seed: bytes
    rounds: tuple[Round, ...]
    elected: tuple[str, ...]

    @property
    def valid(self) -> int:
        """Ballots with a valid first preference."""
        return self.ballots - self.blank

    @property
    def scale(self) -> int:
        """Units per vote: 1 for instant runoff, 10^5 for Scottish STV."""
        return STV_SCALE if self.method == "scottish_stv" else 1

    def value(self, units: int) -> int | str:
        """A value as JSON writes it: an integer, or an STV fixed decimal."""
        return fixed(units) if self.method == "scottish_stv" else units

    def _transfer_json(self, t: Transfer) -> dict[str, object]:
        if self.method == "scottish_stv":
            return {
                "to": t.to,
                "value": fixed(t.value),
                "ballots": t.ballots,
                "votes": fixed(t.votes),
            }
        return {"to": t.to, "votes": t.votes}

    def _round_json(self, r: Round) -> dict[str, object]:
        out: dict[str, object] = {
            "round": r.number,
            "action": r.action,
            "from": r.source,
            "tie": None
            if r.tie is None
            else {"tied": list(r.tie.tied), "by": r.tie.by, "round": r.tie.round},
            "transfers": [self._transfer_json(t) for t in r.transfers],
            "counts": {c: self.value(r.counts[c]) for c in self.candidates},
            "exhausted": self.value(r.exhausted),
            "elected": list(r.elected),
        }
        if self.method == "scottish_stv":
            out["loss"] = fixed(r.loss)
        return out

    def to_json(self) -> dict[str, object]:
        """The count as a result publishes it (PROTOCOL 17.5), keys exactly as listed there."""
        return {
            "format": FORMAT,
            "method": self.method,
            "race": self.race,
            "candidates": list(self.candidates),
            "seats": self.seats,
            "ballots": self.ballots,
            "blank": self.blank,
            "irregular": self.irregular,
            "valid": self.valid,
            "quota": None if self.quota is None else fixed(self.quota),
            "tie_seed": self.tie_seed.hex(),
            "rounds": [self._round_json(r) for r in self.rounds],
            "elected": list(self.elected),
        }
