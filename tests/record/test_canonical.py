from __future__ import annotations

import hashlib

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

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


_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=8) | st.text(
    alphabet='abcXYZ019-_ "\\/\x00\x1f\x7f\u2028é中', max_size=8
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=20,
)


@given(_JSON)
@settings(max_examples=400, deadline=None)
def test_the_fast_path_is_rfc_8785(value: object) -> None:
    """canonical_json takes the C encoder's output when no string needs escaping; it must
    give exactly the bytes of the reference canonicaliser, escapes or not."""
    assert canonical_json(value) == rfc8785.dumps(value)  # type: ignore[arg-type]
