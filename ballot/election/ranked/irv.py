"""Instant runoff for one seat (PROTOCOL 17.3).

Round 1 counts every valid ballot for its first preference.  At the end of each round,
a candidate with more than half of the votes of the continuing candidates (ballots not
yet exhausted) is elected; otherwise the continuing candidate with the fewest votes is
excluded (a tie broken by :mod:`.ties`), and the next round moves each of its ballots to
the ballot's next preference among the continuing candidates, or to the exhausted pile.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ballot.election.ranked.count import RankedCount, Round, Transfer
from ballot.election.ranked.piles import Piles
from ballot.election.ranked.reading import BallotReadings, Entry, read_ballots
from ballot.election.ranked.ties import Tie, break_tie, check_race, check_seed

__all__ = ["count_instant_runoff", "instant_runoff"]


def instant_runoff(
    ballots: Iterable[Sequence[Entry]], candidates: Sequence[str], *, seed: bytes, race: str
) -> RankedCount:
    """Count one race's decrypted ballots by instant runoff."""
    return count_instant_runoff(read_ballots(ballots, candidates), seed=seed, race=race)


def count_instant_runoff(readings: BallotReadings, *, seed: bytes, race: str) -> RankedCount:
    """Count ballots already read under the ranking rule by instant runoff."""
    check_seed(seed)
    check_race(race)
    ids = readings.candidates
    rounds: list[Round] = []
    elected: tuple[str, ...] = ()
    if readings.valid:
        piles = Piles(readings, 1)
        continuing = set(ids)
        history: list[dict[str, int]] = []
        action: tuple[str | None, Tie | None, tuple[Transfer, ...]] = (None, None, ())
        while not elected:
            source, tie, transfers = action
            counts = dict(piles.total)
            history.append(counts)
            votes = sum(counts[c] for c in continuing)
            top = max(counts[c] for c in continuing)
            if 2 * top > votes or len(continuing) == 1:
                elected = tuple(c for c in ids if c in continuing and counts[c] == top)[:1]
            rounds.append(
                Round(
                    number=len(rounds) + 1,
                    action="first_preferences" if source is None else "exclusion",
                    source=source,
                    tie=tie,
                    transfers=transfers,
                    counts=counts,
                    exhausted=piles.exhausted,
                    loss=0,
                    elected=elected,
                )
            )
            if elected:
                break
            fewest = min(counts[c] for c in continuing)
            level = [c for c in ids if c in continuing and counts[c] == fewest]
            loser, tie = break_tie(
                level, history[:-1], fewest=True, seed=seed, race=race, order=ids
            )
            continuing.discard(loser)
            action = (loser, tie, piles.move(loser, continuing))
    return RankedCount(
        method="instant_runoff",
        race=race,
        candidates=ids,
        seats=1,
        ballots=readings.ballots,
        blank=readings.blank,
        irregular=readings.irregular,
        quota=None,
        tie_seed=seed,
        rounds=tuple(rounds),
        elected=elected,
    )
