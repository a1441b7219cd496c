"""Scottish STV: the counting rules of the Scottish Local Government Elections Order 2007
(SSI 2007/42, schedule 1, rules 45 to 52), as PROTOCOL 17.4 restates them.

In short: the Droop quota ⌊valid / (seats + 1)⌋ + 1; a candidate reaching it is elected;
the largest surplus is transferred first, *every* ballot the candidate holds moving on at
``surplus × its value / the candidate's total``, truncated to five decimal places (the
weighted inclusive Gregory method); with no surplus to transfer, the continuing candidate
with the fewest votes is excluded and its ballots move on at their values; when as many
candidates continue as seats remain, they are elected.  Values are integers in units of
10^-5 of a vote, so the truncation is floor division and nothing is ever rounded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ballot.election.ranked.count import STV_SCALE, Action, RankedCount, Round, Transfer
from ballot.election.ranked.piles import Piles
from ballot.election.ranked.reading import BallotReadings, Entry, RankedError, read_ballots
from ballot.election.ranked.ties import Tie, break_tie, check_race, check_seed

__all__ = ["count_scottish_stv", "droop_quota", "scottish_stv"]


def droop_quota(valid: int, seats: int) -> int:
    """Rule 46: ⌊valid / (seats + 1)⌋ + 1 votes."""
    return valid // (seats + 1) + 1


def scottish_stv(
    ballots: Iterable[Sequence[Entry]],
    candidates: Sequence[str],
    *,
    seats: int,
    seed: bytes,
    race: str,
) -> RankedCount:
    """Count one race's decrypted ballots by Scottish STV for ``seats`` seats."""
    return count_scottish_stv(read_ballots(ballots, candidates), seats=seats, seed=seed, race=race)


def _by_votes(candidates: Iterable[str], counts: dict[str, int], ids: Sequence[str]) -> list[str]:
    """Most votes first, equal votes in ballot order (the order elections are declared)."""
    return sorted(candidates, key=lambda c: (-counts[c], ids.index(c)))


def count_scottish_stv(
    readings: BallotReadings, *, seats: int, seed: bytes, race: str
) -> RankedCount:
    """Count ballots already read under the ranking rule by Scottish STV."""
    check_seed(seed)
    check_race(race)
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
        raise RankedError(f"seats must be a whole number of at least 1, not {seats!r}")
    ids = readings.candidates
    quota = droop_quota(readings.valid, seats) * STV_SCALE
    rounds: list[Round] = []
    winners: list[str] = []
    if readings.valid:
        piles = Piles(readings, STV_SCALE)
        continuing = set(ids)
        pending: list[str] = []  # elected, surplus not yet transferred
        history: list[dict[str, int]] = []
        kind: Action = "first_preferences"
        source: str | None = None
        tie: Tie | None = None
        transfers: tuple[Transfer, ...] = ()
        while True:
            counts = dict(piles.total)
            history.append(counts)
            # rule 47: reaching the quota elects; rule 48: a surplus waits its turn
            new = _by_votes((c for c in continuing if counts[c] >= quota), counts, ids)
            continuing.difference_update(new)
            pending.extend(c for c in new if counts[c] > quota)
            vacancies = seats - len(winners) - len(new)
            # rule 52: as many continuing as vacancies left fills them, without transfers
            last = vacancies > 0 and len(continuing) <= vacancies
            if last:
                new += _by_votes(continuing, counts, ids)
                continuing.clear()
            winners += new
            rounds.append(
                Round(
                    number=len(rounds) + 1,
                    action=kind,
                    source=source,
                    tie=tie,
                    transfers=transfers,
                    counts=counts,
                    exhausted=piles.exhausted,
                    loss=piles.loss,
                    elected=tuple(new),
                )
            )
            if last or vacancies <= 0:
                break
            if pending:
                # rule 49: the largest surplus first
                high = max(counts[c] for c in pending)
                level = [c for c in ids if c in pending and counts[c] == high]
                source, tie = break_tie(
                    level, history[:-1], fewest=False, seed=seed, race=race, order=ids
                )
                pending.remove(source)
                total = counts[source]
                surplus = total - quota
                revalue = {p.value: surplus * p.value // total for p in piles.held[source]}
                kind = "surplus"
                transfers = piles.move(source, continuing, revalue, keep=quota)
            else:
                # rules 50 and 51: exclude the fewest votes
                fewest = min(counts[c] for c in continuing)
                level = [c for c in ids if c in continuing and counts[c] == fewest]
                source, tie = break_tie(
                    level, history[:-1], fewest=True, seed=seed, race=race, order=ids
                )
                continuing.discard(source)
                kind = "exclusion"
                transfers = piles.move(source, continuing)
    return RankedCount(
        method="scottish_stv",
        race=race,
        candidates=ids,
        seats=seats,
        ballots=readings.ballots,
        blank=readings.blank,
        irregular=readings.irregular,
        quota=quota,
        tie_seed=seed,
        rounds=tuple(rounds),
        elected=tuple(winners),
    )
