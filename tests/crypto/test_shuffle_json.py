"""A shuffle's JSON is hostile input: strict parsing, sizes bounded before decoding, no crash.

Every refusal is a ShuffleError (``malformed``, or ``width`` for a ragged
output), never a TypeError, KeyError or a long computation.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ballot.crypto.elgamal import encrypt
from ballot.crypto.group import L, Scalar, base_mul
from ballot.crypto.shuffle import (
    MAX_ITEMS,
    MAX_WIDTH,
    SHUFFLE_FORMAT,
    Shuffle,
    ShuffleError,
    shuffle_and_prove,
)

FP = hashlib.sha256(b"officer election A").digest()
KEY = base_mul(Scalar.hash(b"key"))
BALLOTS = tuple(
    tuple(encrypt(KEY, k, Scalar.hash(b"%d/%d" % (i, k))) for k in range(2)) for i in range(3)
)
GOOD: dict[str, Any] = shuffle_and_prove(FP, 1, KEY, BALLOTS).to_json()

IDENTITY_HEX = "01" + "00" * 31
SMALL_ORDER_HEX = "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"  # order 2
NON_CANONICAL_SCALAR = L.to_bytes(32, "little").hex()


def edited(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    obj = copy.deepcopy(GOOD)
    change(obj)
    return obj


def test_the_json_form_is_exactly_this() -> None:
    assert set(GOOD) == {"format", "election", "position", "input", "output", "proof"}
    assert GOOD["format"] == SHUFFLE_FORMAT == "ballot/shuffle/v1"
    assert set(GOOD["proof"]) == {
        "permutation_commitments",
        "chain_commitments",
        "challenge",
        "s1",
        "s2",
        "s3",
        "s4",
        "s_chain",
        "s_permutation",
    }
    assert len(GOOD["proof"]["s4"]) == 2 and len(GOOD["proof"]["s_chain"]) == 3
    assert Shuffle.from_json(json.loads(json.dumps(GOOD))).to_json() == GOOD


def _set(path: list[Any], value: object) -> Callable[[dict[str, Any]], None]:
    def change(obj: dict[str, Any]) -> None:
        target = obj
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


def _drop(key: str, where: str | None = None) -> Callable[[dict[str, Any]], None]:
    return lambda obj: (obj[where] if where else obj).pop(key)


BAD: dict[str, Callable[[dict[str, Any]], None]] = {
    "missing key": _drop("input"),
    "extra key": _set(["note"], "hello"),
    "missing proof key": _drop("s3", "proof"),
    "format": _set(["format"], "ballot/shuffle/v0"),
    "position zero": _set(["position"], 0),
    "position bool": _set(["position"], True),
    "position text": _set(["position"], "1"),
    "position huge": _set(["position"], 10**30),
    "election upper case": lambda o: o.update(election=o["election"].upper()),
    "election short": lambda o: o.update(election=o["election"][:62]),
    "input not hex": _set(["input"], "zz" * 32),
    "output empty": _set(["output"], []),
    "output not a list": _set(["output"], {"0": []}),
    "item not a list": _set(["output", 0], "x"),
    "item empty": lambda o: o.update(output=[[] for _ in o["output"]]),
    "ciphertext keys": _set(["output", 0, 0], {"alpha": IDENTITY_HEX}),
    "identity alpha": _set(["output", 1, 0, "alpha"], IDENTITY_HEX),
    "small-order beta": _set(["output", 2, 1, "beta"], SMALL_ORDER_HEX),
    "commitment identity": _set(["proof", "chain_commitments", 0], IDENTITY_HEX),
    "commitment small order": _set(["proof", "permutation_commitments", 2], SMALL_ORDER_HEX),
    "commitment not text": _set(["proof", "permutation_commitments", 2], 5),
    "non-canonical challenge": _set(["proof", "challenge"], NON_CANONICAL_SCALAR),
    "non-canonical response": _set(["proof", "s_permutation", 1], NON_CANONICAL_SCALAR),
    "response not text": _set(["proof", "s1"], None),
    "s4 one short": lambda o: o["proof"]["s4"].pop(),
    "s_chain one long": lambda o: o["proof"]["s_chain"].append(o["proof"]["s1"]),
    "commitments one short": lambda o: o["proof"]["permutation_commitments"].pop(),
    "proof not an object": _set(["proof"], []),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_every_malformed_shuffle_is_refused_by_name(name: str) -> None:
    with pytest.raises(ShuffleError) as caught:
        Shuffle.from_json(edited(BAD[name]))
    assert caught.value.check == "malformed", str(caught.value)


def test_a_ragged_output_is_a_width_error() -> None:
    with pytest.raises(ShuffleError) as caught:
        Shuffle.from_json(edited(lambda o: o["output"][1].pop()))
    assert caught.value.check == "width"
    assert "output item 2 has 1 ciphertexts, item 1 has 2" in str(caught.value)


def test_sizes_are_refused_before_anything_is_decoded() -> None:
    """A million and one items, or a too wide item, are refused at once (no element decoded)."""
    empty: list[Any] = []
    with pytest.raises(ShuffleError, match=f"1 to {MAX_ITEMS} items"):
        Shuffle.from_json(edited(_set(["output"], [empty] * (MAX_ITEMS + 1))))
    wide = [{"alpha": "", "beta": ""}] * (MAX_WIDTH + 1)
    with pytest.raises(ShuffleError, match=f"1 to {MAX_WIDTH} ciphertexts"):
        Shuffle.from_json(edited(_set(["output"], [wide])))


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=70),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.lists(st.integers(0, 8), min_size=1, max_size=4), value=JSONISH)
def test_any_value_anywhere_is_a_clear_refusal_or_a_valid_shuffle(
    path: list[int], value: object
) -> None:
    obj = copy.deepcopy(GOOD)
    target: Any = obj
    for step in path[:-1]:
        keys = sorted(target) if isinstance(target, dict) else list(range(len(target)))
        if not keys or not isinstance(target, dict | list):
            break
        nxt = target[keys[step % len(keys)]]
        if not isinstance(nxt, dict | list):
            break
        target = nxt
    keys = sorted(target) if isinstance(target, dict) else list(range(len(target)))
    if keys:
        target[keys[path[-1] % len(keys)]] = value
    with contextlib.suppress(ShuffleError):  # a refusal is fine; any other exception fails
        Shuffle.from_json(obj)
