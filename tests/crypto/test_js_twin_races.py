"""The browser twin against Python for ranked and per-unit races.

Why: the voter page encrypts a ranking, and only the questions of the member's unit, in
JavaScript; the server and every verifier check it in Python.  Both must agree on which
questions a ballot of a unit carries, on the definition index in every proof context,
on the [0, n] rank proofs, and on the bytes (so the tracker is one).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ballot.crypto.ballots import (
    AuditedBallot,
    BallotError,
    check_audit,
    encrypt_ballot,
    tracker,
    verify_ballot,
)
from ballot.crypto.group import Scalar
from ballot.crypto.manifest import ElectionManifest, election_fingerprint, manifest_hash
from tests.crypto.test_js_twin import KEY, TRUSTEE_KEYS, run_node


def _candidates(prefix: str, n: int) -> list[dict[str, str]]:
    return [{"id": f"{prefix}{i}"} for i in range(n)]


DEFINITION: dict[str, Any] = {
    "election_id": "officers-2026",
    "questions": [
        {
            "id": "president",
            "ranked": True,
            "method": "instant_runoff",
            "seats": 1,
            "min": 0,
            "max": 3,
            "options": _candidates("p", 4),
        },
        {"id": "dues", "min": 1, "max": 1, "options": _candidates("d", 2)},
        {
            "id": "steward-north",
            "unit": "North",
            "ranked": True,
            "method": "scottish_stv",
            "seats": 2,
            "min": 0,
            "max": 3,
            "options": _candidates("n", 3),
        },
        {
            "id": "steward-south",
            "unit": "South",
            "ranked": True,
            "method": "scottish_stv",
            "seats": 2,
            "min": 0,
            "max": 3,
            "options": _candidates("s", 3),
        },
        {
            "id": "delegates-south",
            "unit": "South",
            "min": 0,
            "max": 2,
            "options": _candidates("x", 3),
        },
    ],
}
MANIFEST = ElectionManifest.from_definition(DEFINITION)
FP = election_fingerprint(manifest_hash(DEFINITION), KEY, [KEY, *TRUSTEE_KEYS])

#: (unit, selections aligned with MANIFEST.on_ballot(unit))
BALLOTS: list[tuple[str | None, list[list[int]]]] = [
    (None, [[2, 0, 3], [1]]),
    ("North", [[1], [0], [2, 0]]),
    ("South", [[], [1], [0, 1, 2], [2]]),
]


def election(**extra: Any) -> dict[str, Any]:
    return {"definition": DEFINITION, "public_key": KEY.hex(), "fingerprint": FP.hex(), **extra}


@pytest.fixture(scope="module")
def js_ballots() -> list[dict[str, Any]]:
    return run_node([{"op": "encrypt", **election(selections=s, unit=unit)} for unit, s in BALLOTS])


def test_ranked_and_per_unit_ballots_from_the_browser_verify_and_open_in_python(
    js_ballots: list[dict[str, Any]],
) -> None:
    for (unit, selections), result in zip(BALLOTS, js_ballots, strict=True):
        verify_ballot(MANIFEST, KEY, FP, result["ballot"], unit=unit)
        assert result["tracker"] == tracker(result["ballot"])
        opened = check_audit(MANIFEST, KEY, FP, result["audit"], unit=unit)
        expected = [
            tuple(s) if MANIFEST.questions[qi].ranked else tuple(sorted(s))
            for qi, s in zip(MANIFEST.on_ballot(unit), selections, strict=True)
        ]
        assert list(opened) == expected


def test_a_tampered_browser_ballot_fails_in_python(js_ballots: list[dict[str, Any]]) -> None:
    north = js_ballots[1]["ballot"]
    swapped = copy.deepcopy(north)
    swapped["questions"][2]["slots"][0:2] = swapped["questions"][2]["slots"][1::-1]
    with pytest.raises(BallotError, match="question 2 \\('steward-north'\\), slot 0 \\(rank 1\\)"):
        verify_ballot(MANIFEST, KEY, FP, swapped, unit="North")
    with pytest.raises(BallotError, match="the ballot has 3 questions, the election 4"):
        verify_ballot(MANIFEST, KEY, FP, north, unit="South")


def test_same_randomness_gives_byte_identical_ranked_per_unit_ballots() -> None:
    drawn: list[Scalar] = []

    def rng() -> Scalar:
        s = Scalar.from_int(int.from_bytes(bytes([len(drawn) % 250 + 1]) * 32, "little") + 7)
        drawn.append(s)
        return s

    unit, selections = BALLOTS[2]
    ballot, _ = encrypt_ballot(MANIFEST, KEY, FP, selections, unit=unit, rng=rng)
    [result] = run_node(
        [
            {
                "op": "encrypt",
                **election(selections=selections, unit=unit, nonces=[s.hex() for s in drawn]),
            }
        ]
    )
    assert result["ballot"] == ballot.to_json()
    assert result["tracker"] == tracker(ballot)


def test_the_browser_verifies_python_ballots_and_refuses_tampered_ones() -> None:
    unit, selections = BALLOTS[2]
    ballot, secrets = encrypt_ballot(MANIFEST, KEY, FP, selections, unit=unit)
    good: Any = ballot.to_json()
    swapped_ranks = copy.deepcopy(good)
    swapped_ranks["questions"][2]["slots"].reverse()
    audit: Any = AuditedBallot(ballot, secrets).audit_json()
    results = run_node(
        [
            {"op": "verify", **election(ballot=good, unit=unit)},
            {"op": "verify", **election(ballot=swapped_ranks, unit=unit)},
            {"op": "verify", **election(ballot=good, unit="North")},
            {"op": "verify", **election(ballot=good)},
            {"op": "check_audit", **election(audit=audit, unit=unit)},
        ]
    )
    assert results[0] == {"ok": True}
    assert not results[1]["ok"]
    assert "question 3 ('steward-south'), slot 0 (rank 1)" in results[1]["error"]
    assert (
        not results[2]["ok"] and "the election 3 on a ballot of unit 'North'" in results[2]["error"]
    )
    assert not results[3]["ok"] and "the election 2 on a ballot without unit" in results[3]["error"]
    assert results[4] == {"ok": True, "selections": [[], [1], [0, 1, 2], [2]]}
    with pytest.raises(BallotError, match="question 3 \\('steward-south'\\), slot 0 \\(rank 1\\)"):
        verify_ballot(MANIFEST, KEY, FP, swapped_ranks, unit=unit)


def test_a_ranked_race_moved_to_another_definition_index_fails_in_both() -> None:
    """With steward-south (index 3) given president's shape (4 candidates, 3 ranks), only
    the proof contexts tell the two races apart: swapped, they fail in both."""
    definition = copy.deepcopy(DEFINITION)
    definition["questions"][3]["options"] = _candidates("s", 4)
    manifest = ElectionManifest.from_definition(definition)
    fp = election_fingerprint(manifest_hash(definition), KEY, [KEY, *TRUSTEE_KEYS])
    ballot, _ = encrypt_ballot(manifest, KEY, fp, [[1, 2], [0], [3, 0], []], unit="South")
    moved: Any = ballot.to_json()
    moved["questions"][0], moved["questions"][2] = moved["questions"][2], moved["questions"][0]
    with pytest.raises(BallotError, match="question 0 \\('president'\\), slot 0 \\(rank 1\\)"):
        verify_ballot(manifest, KEY, fp, moved, unit="South")
    [result] = run_node(
        [
            {
                "op": "verify",
                "definition": definition,
                "public_key": KEY.hex(),
                "fingerprint": fp.hex(),
                "ballot": moved,
                "unit": "South",
            }
        ]
    )
    assert not result["ok"] and "question 0 ('president'), slot 0 (rank 1)" in result["error"]
