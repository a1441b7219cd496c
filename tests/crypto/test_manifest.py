"""Manifest parsing and validation, the manifest hash and the election fingerprint.

The hash and fingerprint are recomputed here by hand (hashlib + struct) so
the expectations do not depend on the code under test.
"""

from __future__ import annotations

import copy
import hashlib
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ballot.crypto.group import Scalar, base_mul
from ballot.crypto.manifest import (
    ElectionManifest,
    ManifestError,
    QuestionSpec,
    election_fingerprint,
    manifest_hash,
)

DEFINITION: dict[str, object] = {
    "election_id": "local-42-strike-2026",
    "title": {"en": "Strike authorisation", "es": "Autorización de huelga"},
    "kind": "strike",
    "outcome_rule": {"kind": "supermajority", "numerator": 2, "denominator": 3},
    "window": {"opens": "2026-12-01T09:00:00Z", "closes": "2026-12-08T17:00:00Z"},
    "trustees": {"n": 3, "k": 2},
    "questions": [
        {
            "id": "strike",
            "kind": "yes-no",
            "text": {"en": "Do you authorise a strike?"},
            "min": 1,
            "max": 1,
            "options": [{"id": "yes", "text": {"en": "Yes"}}, {"id": "no", "text": {"en": "No"}}],
        },
        {
            "id": "committee",
            "min": 0,
            "max": 3,
            "options": [{"id": f"c{i}"} for i in range(5)],
        },
    ],
}


def frame(raw: bytes) -> bytes:
    return struct.pack(">I", len(raw)) + raw


def test_parse_reads_only_the_crypto_fields() -> None:
    m = ElectionManifest.from_definition(DEFINITION)
    assert m == ElectionManifest(
        "local-42-strike-2026",
        (
            QuestionSpec("strike", ("yes", "no"), 1, 1),
            QuestionSpec("committee", ("c0", "c1", "c2", "c3", "c4"), 0, 3),
        ),
    )


def test_hash_covers_the_whole_definition_not_only_what_the_crypto_reads() -> None:
    changed = copy.deepcopy(DEFINITION)
    changed["title"] = {"en": "Strike authorization"}  # one letter of a title
    assert ElectionManifest.from_definition(changed) == ElectionManifest.from_definition(DEFINITION)
    assert manifest_hash(changed) != manifest_hash(DEFINITION)


def test_hash_is_sha256_of_rfc8785_canonical_json() -> None:
    definition = {"b": 1, "a": [True, None, "é"], "c": {"z": "x", "y": -3}}
    canonical = '{"a":[true,null,"é"],"b":1,"c":{"y":-3,"z":"x"}}'.encode()
    assert manifest_hash(definition) == hashlib.sha256(canonical).digest()


def test_hash_does_not_depend_on_key_order() -> None:
    reordered = dict(reversed(list(DEFINITION.items())))
    assert manifest_hash(reordered) == manifest_hash(DEFINITION)


def test_floats_are_refused_anywhere() -> None:
    bad = copy.deepcopy(DEFINITION)
    bad["outcome_rule"] = {"kind": "supermajority", "fraction": 0.6667}
    with pytest.raises(ManifestError, match="float"):
        manifest_hash(bad)


def test_fingerprint_is_the_framed_hash_of_its_inputs() -> None:
    h = manifest_hash(DEFINITION)
    k = base_mul(Scalar.from_int(7))
    v1, v2 = base_mul(Scalar.from_int(11)), base_mul(Scalar.from_int(13))
    expected = hashlib.sha256(
        frame(b"ballot/v1/fingerprint")
        + frame(h)
        + frame(bytes(k))
        + frame(bytes(v1))
        + frame(bytes(v2))
    ).digest()
    assert election_fingerprint(h, k, [v1, v2]) == expected
    # Every input matters, including the order of the trustees.
    assert election_fingerprint(h, k, [v2, v1]) != expected
    assert election_fingerprint(h, v1, [v1, v2]) != expected
    assert election_fingerprint(bytes(32), k, [v1, v2]) != expected


def test_fingerprint_needs_a_32_byte_hash_and_a_trustee() -> None:
    k = base_mul(Scalar.from_int(7))
    with pytest.raises(ManifestError):
        election_fingerprint(b"short", k, [k])
    with pytest.raises(ManifestError):
        election_fingerprint(bytes(32), k, [])


def _with_question(**changes: object) -> dict[str, object]:
    d = copy.deepcopy(DEFINITION)
    q = d["questions"][1]  # type: ignore[index]
    q.update(changes)
    return d


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"min": 4, "max": 3}, "min <= max"),
        ({"max": 6}, "max <= 5"),
        ({"min": -1}, "0 <= min"),
        ({"max": 0}, "max"),
        ({"min": True}, "integer"),
        ({"max": 2.0}, "integer"),
        ({"options": []}, "1 to 64 options"),
        ({"options": [{"id": f"o{i}"} for i in range(65)]}, "1 to 64 options"),
        ({"options": [{"id": "a"}, {"id": "a"}]}, "unique"),
        ({"options": [{"text": "no id"}]}, "option 0: id"),
        ({"options": ["a", "b"]}, "option 0 must be an object"),
        ({"id": ""}, "id"),
        ({"id": "strike"}, "question ids must be unique"),
    ],
)
def test_invalid_questions_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        ElectionManifest.from_definition(_with_question(**changes))


def test_forced_single_option_is_refused() -> None:
    with pytest.raises(ManifestError, match="no choice"):
        QuestionSpec("q", ("only",), 1, 1)
    # An unopposed candidate one may approve or leave blank is fine.
    assert QuestionSpec("q", ("only",), 0, 1).max == 1


@pytest.mark.parametrize(
    "definition",
    [
        [],
        {"questions": []},
        {"election_id": "e", "questions": []},
        {"election_id": "e", "questions": "x"},
        {
            "election_id": 5,
            "questions": [{"id": "q", "min": 0, "max": 1, "options": [{"id": "a"}]}],
        },
        {"election_id": "e", "questions": [{"id": "q"}] * 101},
    ],
)
def test_invalid_elections_are_refused(definition: object) -> None:
    with pytest.raises(ManifestError):
        ElectionManifest.from_definition(definition)


@given(
    st.integers(min_value=1, max_value=8).flatmap(
        lambda n: st.tuples(
            st.just(n), st.integers(min_value=0, max_value=n), st.integers(min_value=0, max_value=n)
        )
    )
)
def test_bounds_validation_matches_the_rule(shape: tuple[int, int, int]) -> None:
    n, lo, hi = shape
    valid = 0 <= lo <= hi <= n and hi >= 1 and not (lo == hi == 1 and n == 1)
    options = tuple(f"o{i}" for i in range(n))
    if valid:
        assert QuestionSpec("q", options, lo, hi).option_count == n
    else:
        with pytest.raises(ManifestError):
            QuestionSpec("q", options, lo, hi)
