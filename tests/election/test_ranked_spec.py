"""The published ranked count recomputes from PROTOCOL section 17 alone.

``spec_count`` below is a second implementation written from the text of 17.1-17.5: one
ballot at a time (no parcels), plain loops, no import from the ranked package.
Hypothesis draws races, ballots (irregular ones included), seats and seeds, and the
reference implementation's JSON must be exactly the same object.
"""

from __future__ import annotations

import hashlib
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ballot.election.ranked import instant_runoff, scottish_stv

from .ranked_support import races

UNIT = 100_000


def frame(b: bytes) -> bytes:
    return len(b).to_bytes(4, "big") + b


def key(seed: bytes, race: str, c: str) -> bytes:
    parts = [b"ballot/v1/ranked-lot", seed, race.encode(), c.encode()]
    return hashlib.sha256(b"".join(frame(p) for p in parts)).digest()


def read(entries: list[str | None], ids: list[str]) -> list[str]:
    out: list[str] = []
    for e in entries:
        if e is None or e not in ids or e in out:
            break
        out.append(e)
    return out


def choose(level: list[str], history: list[dict[str, int]], fewest: bool, seed: bytes, race: str):  # type: ignore[no-untyped-def]
    if len(level) == 1:
        return level[0], None
    t = list(level)
    for j in range(len(history) - 2, -1, -1):  # rounds r-1 … 1
        best = (min if fewest else max)(history[j][c] for c in t)
        t = [c for c in t if history[j][c] == best]
        if len(t) == 1:
            return t[0], {"tied": level, "by": "earlier_round", "round": j + 1}
    return min(t, key=lambda c: key(seed, race, c)), {"tied": level, "by": "lot", "round": None}


def dec(u: int) -> str:
    return f"{u // UNIT}.{u % UNIT:05d}"


def spec_count(
    ballots: list[list[str | None]], ids: list[str], seats: int, stv: bool, seed: bytes
) -> dict[str, Any]:
    race = "race-1"
    readings = [read(b, ids) for b in ballots]
    regular = sum(
        all(e is None for e in b[len(r) :]) for b, r in zip(ballots, readings, strict=True)
    )
    valid = [r for r in readings if r]
    v = len(valid)
    unit = UNIT if stv else 1
    show = dec if stv else (lambda u: u)
    quota = (v // (seats + 1) + 1) * UNIT
    holder = [0] * v  # index into the reading; -1: exhausted
    value = [unit] * v
    continuing = list(ids)
    fixed_votes: dict[str, int] = {}  # elected with surplus transferred, or excluded
    waiting: list[str] = []
    elected: list[str] = []
    exhausted = loss = 0
    history: list[dict[str, int]] = []
    rounds: list[dict[str, Any]] = []
    action, source, tie, moved = "first_preferences", None, None, {}
    while v:
        votes = {c: 0 for c in ids}
        for i, r in enumerate(valid):
            if holder[i] >= 0:
                votes[r[holder[i]]] += value[i]
        votes.update(fixed_votes)
        history.append(votes)
        new: list[str] = []
        done = False
        if stv:
            reached = sorted(
                (c for c in continuing if votes[c] >= quota),
                key=lambda c: (-votes[c], ids.index(c)),
            )
            new += reached
            waiting += [c for c in reached if votes[c] > quota]
            continuing = [c for c in continuing if c not in reached]
            left = seats - len(elected) - len(new)
            if left > 0 and len(continuing) <= left:
                new += sorted(continuing, key=lambda c: (-votes[c], ids.index(c)))
                continuing = []
            done = left <= 0 or not continuing
        else:
            total = sum(votes[c] for c in continuing)
            for c in continuing:
                if 2 * votes[c] > total or len(continuing) == 1:
                    new.append(c)
                    done = True
        elected += new
        order = sorted(
            moved.items(),
            key=lambda kv: (kv[0][0] is None, ids.index(kv[0][0]) if kv[0][0] else 0, -kv[0][1]),
        )
        transfers = [
            {"to": to, "value": dec(val), "ballots": n, "votes": dec(n * val)}
            if stv
            else {"to": to, "votes": n}
            for (to, val), n in order
        ]
        rounds.append(
            {
                "round": len(rounds) + 1, "action": action, "from": source, "tie": tie,
                "transfers": transfers, "counts": {c: show(votes[c]) for c in ids},
                "exhausted": show(exhausted), "elected": new,
                **({"loss": dec(loss)} if stv else {}),
            }
        )  # fmt: skip
        if done:
            break
        if stv and waiting:
            high = max(votes[c] for c in waiting)
            source, tie = choose(
                [c for c in ids if c in waiting and votes[c] == high], history, False, seed, race
            )
            waiting.remove(source)
            t, s = votes[source], votes[source] - quota
            fixed_votes[source] = quota
            action, carried = "surplus", 0
        else:
            low = min(votes[c] for c in continuing)
            source, tie = choose(
                [c for c in ids if c in continuing and votes[c] == low], history, True, seed, race
            )
            continuing.remove(source)
            fixed_votes[source] = 0
            action = "exclusion"
        moved = {}
        for i, r in enumerate(valid):
            if holder[i] < 0 or r[holder[i]] != source:
                continue
            if action == "surplus":
                value[i] = s * value[i] // t
                carried += value[i]
            nxt = next((j for j in range(holder[i] + 1, len(r)) if r[j] in continuing), -1)
            holder[i] = nxt
            to = r[nxt] if nxt >= 0 else None
            if to is None:
                exhausted += value[i]
            moved[to, value[i]] = moved.get((to, value[i]), 0) + 1
        if action == "surplus":
            loss += s - carried
    return {
        "format": "ballot/ranked-count/v1",
        "method": "scottish_stv" if stv else "instant_runoff",
        "race": race, "candidates": ids, "seats": seats if stv else 1,
        "ballots": len(ballots), "blank": len(ballots) - v,
        "irregular": len(ballots) - regular, "valid": v,
        "quota": dec(quota) if stv else None, "tie_seed": seed.hex(),
        "rounds": rounds, "elected": elected,
    }  # fmt: skip


seeds = st.binary(min_size=32, max_size=32)


@settings(max_examples=300, deadline=None)
@given(races(max_ballots=60), seeds)
def test_instant_runoff_matches_the_text(
    race: tuple[list[str], list[list[str | None]]], seed: bytes
) -> None:
    ids, ballots = race
    ours = instant_runoff(ballots, ids, seed=seed, race="race-1").to_json()
    assert ours == spec_count(ballots, ids, 1, False, seed)


@settings(max_examples=300, deadline=None)
@given(races(max_ballots=60), st.integers(1, 4), seeds)
def test_scottish_stv_matches_the_text(
    race: tuple[list[str], list[list[str | None]]], seats: int, seed: bytes
) -> None:
    ids, ballots = race
    ours = scottish_stv(ballots, ids, seats=seats, seed=seed, race="race-1").to_json()
    assert ours == spec_count(ballots, ids, seats, True, seed)
