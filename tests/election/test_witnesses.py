"""The witnesses a definition names: one reading for the server, the witness and the verifier."""

from __future__ import annotations

import pytest

from ballot.election.witnesses import (
    MAX_WITNESSES,
    Witness,
    WitnessError,
    read_witnesses,
    witness_names,
    witness_problems,
)
from ballot.record.cosign import WitnessKey

A = WitnessKey.from_private_bytes(b"\x01" * 32).public_hex
B = WitnessKey.from_private_bytes(b"\x02" * 32).public_hex


def test_a_definition_without_witnesses_names_none() -> None:
    assert read_witnesses({}) == () and read_witnesses({"witnesses": []}) == ()
    assert witness_names({"witnesses": None}) == {}


def test_witnesses_are_read_in_order() -> None:
    d = {"witnesses": [{"name": "Rosa", "public_key": A}, {"name": "Ben", "public_key": B}]}
    assert read_witnesses(d) == (Witness("Rosa", A), Witness("Ben", B))
    assert witness_names(d) == {A: "Rosa", B: "Ben"}


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"Rosa": A}, "witnesses: must be a list"),
        (["Rosa"], "witness 1: must be an object with exactly 'name' and 'public_key'"),
        ([{"name": "Rosa", "public_key": A, "x": 1}], "exactly 'name' and 'public_key'"),
        ([{"name": "", "public_key": A}], "witness 1: a name is needed"),
        ([{"name": " Rosa", "public_key": A}], "spaces at its start or end"),
        ([{"name": "Ro\x00sa", "public_key": A}], "control characters"),
        ([{"name": "R" * 201, "public_key": A}], "longer than 200"),
        ([{"name": "Rosa", "public_key": A.upper()}], "64 lower-case hex"),
        ([{"name": "Rosa", "public_key": A[:-2]}], "64 lower-case hex"),
        (
            [{"name": "Rosa", "public_key": A}, {"name": "rosa", "public_key": B}],
            "witness 2: the name 'rosa' is used twice",
        ),
        (
            [{"name": "Rosa", "public_key": A}, {"name": "Ben", "public_key": A}],
            "witness 2: the same public key is named twice",
        ),
        ([{"name": f"W{i}", "public_key": A} for i in range(MAX_WITNESSES + 1)], "at most"),
    ],
)
def test_every_problem_is_named(value: object, problem: str) -> None:
    problems = witness_problems(value)
    assert any(problem in p for p in problems), problems
    with pytest.raises(WitnessError):
        read_witnesses({"witnesses": value})
