"""Scottish STV against two published council counts, every stage to five decimals.

The ballots are the wards' published preference profiles; the figures below are the
returning officers' published stage-by-stage results (provenance:
``tests/election/data/ranked/README.md``).  Reproducing them exactly checks the quota,
the order of surpluses, the truncated transfer values of ballots received at different
values, the exclusions and rule 52, all at once.
"""

from __future__ import annotations

from decimal import Decimal

from ballot.election.ranked import scottish_stv
from ballot.election.ranked.count import fixed

from .ranked_support import SEED, load_blt

# Angus Council, ward 1 Kirriemuir and Dean, 4 May 2017: 4,577 valid, 3 seats, quota 1,145.
KIRRIEMUIR = {
    1: {
        "bell": "1240",
        "douglas": "1118",
        "gaul": "413",
        "petrie": "206",
        "proctor": "1397",
        "watson": "203",
    },
    2: {
        "douglas": "200.58256",
        "gaul": "8.29748",
        "petrie": "12.98736",
        "proctor": "-252",
        "watson": "7.93672",
    },
}

# Comhairle nan Eilean Siar, ward 6 Steòrnabhagh a Deas, 4 May 2017: 1,533 valid, 4 seats,
# quota 307.  Totals at the end of each stage, as published.
STEORNABHAGH_TOTALS = """
stage brick    dodson    mackenzie macritchie mccormack mckenzie mcpherson nicolson
1     76.00000 156.00000 250.00000 77.00000   165.00000 7.00000  47.00000  755.00000
2     81.34033 207.02982 345.53257 161.85191  295.54140 17.68066 63.61436  307.00000
3     84.47976 214.16153 307.00000 165.55868  304.30042 18.18919 66.70845  307.00000
4     86.07313 215.45978 307.00000 170.93216  307.80624 0.00000  68.36799  307.00000
5     86.12082 215.74328 307.00000 171.06940  307.00000 0.00000  68.43062  307.00000
6     92.35188 229.30883 307.00000 190.70573  307.00000 0.00000  0.00000   307.00000
7     0.00000  276.02658 307.00000 196.55772  307.00000 0.00000  0.00000   307.00000
8     0.00000  338.01768 307.00000 0.00000    307.00000 0.00000  0.00000   307.00000
"""


def table(text: str) -> dict[int, dict[str, str]]:
    head, *rows = text.strip().splitlines()
    names = head.split()[1:]
    return {int(r.split()[0]): dict(zip(names, r.split()[1:], strict=True)) for r in rows}


def units(text: str) -> int:
    return int(Decimal(text) * 100_000)


def test_kirriemuir_and_dean_2017() -> None:
    ids, seats, ballots = load_blt("kirriemuir-and-dean-2017.blt")
    count = scottish_stv(ballots, ids, seats=seats, seed=SEED, race="kirriemuir")
    assert (count.valid, count.quota) == (4577, units("1145"))
    assert len(count.rounds) == 2
    first, second = count.rounds
    assert first.counts == {c: units(v) for c, v in KIRRIEMUIR[1].items()}
    assert first.elected == ("proctor", "bell")
    # stage 2: Proctor's surplus of 252 (larger than Bell's 95) goes first, every ballot at
    # 252/1397 = 0.180386… truncated to 0.18038
    assert (second.action, second.source) == ("surplus", "proctor")
    assert {t.value for t in second.transfers} == {18038}
    for c, change in KIRRIEMUIR[2].items():
        assert second.counts[c] - first.counts[c] == units(change), c
    assert second.elected == ("douglas",)
    assert count.elected == ("proctor", "bell", "douglas")
    # 252 − 229.80412 transferred = 22.19588 not carried on: exhausted ballots and truncation
    assert fixed(second.exhausted + second.loss) == "22.19588"


def test_steornabhagh_a_deas_2017() -> None:
    ids, seats, ballots = load_blt("steornabhagh-a-deas-2017.blt")
    count = scottish_stv(ballots, ids, seats=seats, seed=SEED, race="steornabhagh")
    assert (count.valid, count.quota, seats) == (1533, units("307"), 4)
    published = table(STEORNABHAGH_TOTALS)
    assert len(count.rounds) == len(published) == 8
    for r in count.rounds:
        assert {c: fixed(v) for c, v in r.counts.items()} == published[r.number], r.number
    assert [(r.action, r.source) for r in count.rounds] == [
        ("first_preferences", None),
        ("surplus", "nicolson"),
        ("surplus", "mackenzie"),
        ("exclusion", "mckenzie"),
        ("surplus", "mccormack"),
        ("exclusion", "mcpherson"),
        ("exclusion", "brick"),
        ("exclusion", "macritchie"),
    ]
    assert [r.elected for r in count.rounds] == [
        ("nicolson",),
        ("mackenzie",),
        (),
        ("mccormack",),
        (),
        (),
        (),
        ("dodson",),
    ]
    assert count.elected == ("nicolson", "mackenzie", "mccormack", "dodson")
    # stage 3: MacKenzie holds first preferences (value 1) and ballots from Nicolson's
    # surplus (value ⌊448/755⌋₅ = 0.59337); each kind moves at surplus × value / total,
    # truncated to five places (rule 48(3))
    assert {t.value for t in count.rounds[1].transfers} == {59337}
    held, surplus = units("345.53257"), units("38.53257")
    expected = {surplus * 100_000 // held, surplus * 59337 // held}
    assert {t.value for t in count.rounds[2].transfers} == expected
    # stage 4: an exclusion moves each ballot at the value it arrived with
    assert {t.value for t in count.rounds[3].transfers} <= {100_000, 59337, *expected}
