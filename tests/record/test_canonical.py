from __future__ import annotations

import hashlib

import pytest

from ballot.record.canonical import CanonicalError, canonical_json, sha256_hex


def test_keys_sorted_and_no_whitespace() -> None:
    assert canonical_json({"b": [1, True, None], "a": "x"}) == b'{"a":"x","b":[1,true,null]}'


def test_unicode_kept_as_utf8() -> None:
    assert canonical_json({"name": "한국어"}) == '{"name":"한국어"}'.encode()


@pytest.mark.parametrize(
    "bad",
    [1.0, {"a": [0.5]}, {1: "x"}, 2**53, -(2**53), b"raw", {"s": {1, 2}}, object()],
)
def test_non_protocol_values_refused(bad: object) -> None:
    with pytest.raises(CanonicalError):
        canonical_json(bad)


def test_float_error_names_the_path() -> None:
    with pytest.raises(CanonicalError, match=r"\$\.tally\[1\]"):
        canonical_json({"tally": [1, 2.0]})


def test_safe_integer_edges_allowed() -> None:
    assert canonical_json([2**53 - 1, -(2**53 - 1)]) == b"[9007199254740991,-9007199254740991]"


def test_sha256_hex() -> None:
    assert sha256_hex(b"abc") == hashlib.sha256(b"abc").hexdigest()
    assert len(sha256_hex(b"")) == 64
