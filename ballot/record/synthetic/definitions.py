"""Definitions for synthetic records: a recognition vote, a ratification, an officer election."""

from __future__ import annotations

from typing import Any


def _texts(en: str) -> dict[str, str]:
    return {"en": en}


def recognition_definition(election_id: str = "recognition-test") -> dict[str, Any]:
    """A certification vote: one yes/no question, majority of valid votes, a tie loses."""
    return {
        "election_id": election_id,
        "kind": "recognition",
        "title": _texts("Union recognition vote"),
        "rule": {"kind": "majority", "threshold": "1/2", "approve_option": "yes"},
        "trustees": {"n": 3, "k": 2},
        "questions": [
            {
                "id": "represent",
                "text": _texts("Do you want Local 1 to represent you?"),
                "min": 1,
                "max": 1,
                "options": [
                    {"id": "yes", "label": _texts("Yes")},
                    {"id": "no", "label": _texts("No")},
                ],
            }
        ],
    }


def ratification_definition(election_id: str = "ratification-test") -> dict[str, Any]:
    """A strike-authorisation style vote: carried only with at least 2/3 of valid votes."""
    d = recognition_definition(election_id)
    d["kind"] = "ratification"
    d["rule"] = {"kind": "supermajority", "threshold": "2/3", "approve_option": "yes"}
    d["questions"][0]["id"] = "authorise"
    d["questions"][0]["text"] = _texts("Do you authorise a strike?")
    return d


def officer_definition(election_id: str = "officer-test") -> dict[str, Any]:
    """An officer election with three candidates: a majority wins, else a runoff of the top two."""
    return {
        "election_id": election_id,
        "kind": "officer",
        "title": _texts("Election of the local president"),
        "rule": {"kind": "plurality_with_runoff", "threshold": "1/2"},
        "trustees": {"n": 3, "k": 2},
        "questions": [
            {
                "id": "president",
                "text": _texts("President"),
                "min": 1,
                "max": 1,
                "options": [
                    {"id": "alvarez", "label": _texts("R. Alvarez")},
                    {"id": "brooks", "label": _texts("T. Brooks")},
                    {"id": "chen", "label": _texts("M. Chen")},
                ],
            }
        ],
    }


def officers_definition(election_id: str = "officers-test") -> dict[str, Any]:
    """Officer elections with ranked races (PROTOCOL 17, 18): a president by instant runoff
    (4 candidates, 3 ranks), two council seats by Scottish STV (5 candidates, 4 ranks), and
    a steward chosen by plurality (a choose question, counted by the tally)."""

    def options(*names: str) -> list[dict[str, Any]]:
        return [{"id": n.lower(), "label": _texts(n)} for n in names]

    return {
        "election_id": election_id,
        "kind": "officer",
        "title": _texts("Election of the local's officers"),
        "rule": {"kind": "plurality"},
        "trustees": {"n": 3, "k": 2},
        "questions": [
            {
                "id": "president",
                "text": _texts("President"),
                "min": 0,
                "max": 3,
                "ranked": True,
                "method": "instant_runoff",
                "seats": 1,
                "options": options("Alvarez", "Brooks", "Chen", "Dubois"),
            },
            {
                "id": "steward",
                "text": _texts("Chief steward"),
                "min": 1,
                "max": 1,
                "options": options("Okafor", "Petrov"),
            },
            {
                "id": "council",
                "text": _texts("Executive council"),
                "min": 0,
                "max": 4,
                "ranked": True,
                "method": "scottish_stv",
                "seats": 2,
                "options": options("Ito", "Jansen", "Kaur", "Lopez", "Moreau"),
            },
        ],
    }
