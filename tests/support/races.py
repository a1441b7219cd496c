"""Races in an election the service defines, for tests of casting and counting.

The committee's definition (``ballot.store.definition``) does not carry a question's unit
or ranking yet: the definition editor of issue 15 adds them.  Until then a test names them
here, and the service writes them into the definition it freezes for the key ceremony
(:func:`ballot.store.elections.build_manifest`), so everything after the freeze (the
ceremony, casting, the count, the trustees' tool, the record) runs as it will for real.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from ballot.store import elections


def race_keys(monkeypatch: pytest.MonkeyPatch, keys: Mapping[int, Mapping[str, Any]]) -> None:
    """The question at each position (1-based, the service's ``q<position>``) gets these
    keys (``unit``, ``ranked``, ``method``, ``seats``) in every definition the service
    builds from now on."""
    real = elections.outcome_rule

    def rule(election: Any, questions: list[dict[str, Any]], *, seats: bool = False) -> Any:
        # The manifest's question objects themselves: the keys land in the definition.
        for question in questions:
            question.update(keys.get(question["position"], {}))
        return real(election, questions, seats=seats)

    monkeypatch.setattr(elections, "outcome_rule", rule)


def unit_races(monkeypatch: pytest.MonkeyPatch, units: Mapping[int, str]) -> None:
    """The question at each position is a race of that unit (see :func:`race_keys`)."""
    race_keys(monkeypatch, {position: {"unit": unit} for position, unit in units.items()})


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
