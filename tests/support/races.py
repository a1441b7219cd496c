"""A definition of an election with races (PROTOCOL 5.1), for synthetic records and the
tests of the tally, the result and the verifier."""

from __future__ import annotations

from typing import Any


def _race(qid: str, names: tuple[str, ...], lo: int, hi: int, **keys: Any) -> dict[str, Any]:
    return {
        "id": qid,
        "text": {"en": qid.title()},
        "min": lo,
        "max": hi,
        "options": [{"id": f"{qid}-{n}", "label": {"en": n.title()}} for n in names],
        **keys,
    }


def races_definition(
    election_id: str = "races-test", *, ranked: bool = True, president: bool = True
) -> dict[str, Any]:
    """An officer election (plurality): a president on every ballot, two seats of stewards
    in North and in South, and (``ranked``) an executive board ranked by instant runoff on
    every ballot.  Without ``board_key``: the synthetic records add it (protocol v2)."""
    questions = [
        *([_race("president", ("alvarez", "brooks", "cho"), 1, 1)] if president else []),
        _race("north", ("nadia", "noor", "nils"), 1, 2, unit="North"),
        _race("south", ("sam", "sara", "soren"), 1, 2, unit="South"),
    ]
    if ranked:
        questions.append(
            _race(
                "board",
                ("ada", "bo", "cy", "di"),
                0,
                3,
                ranked=True,
                method="instant_runoff",
                seats=1,
            )
        )
    return {
        "election_id": election_id,
        "kind": "officer",
        "title": {"en": "Officer elections"},
        "rule": {"kind": "plurality", "threshold": "1/2"},
        "trustees": {"n": 3, "k": 2},
        "questions": questions,
    }
