"""The group layer: validation of every class of bad input, and the zero/identity edges.

libsodium refuses the identity and a zero scalar and silently reduces scalars
at or above L; these tests pin down that our wrapper handles each edge and
says clearly why it refused an encoding.  The torsion points and points with a
torsion component are built with a tiny independent pure-Python edwards25519
implementation, so the expectations do not depend on the code under test.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballot.crypto.group import BASE, IDENTITY, Element, GroupError, L, Scalar, base_mul

# --------------------------------------------------------------------------- reference arithmetic

P = 2**255 - 19
D = (-121665 * pow(121666, -1, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)

Point = tuple[int, int]


def ref_decode(data: bytes) -> Point | None:
    """RFC 8032 decoding, permissive about small order (we want to build bad points)."""
    y = int.from_bytes(data, "little") & ((1 << 255) - 1)
    sign = data[31] >> 7
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, -1, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = P - x
    return (x, y)


def ref_encode(pt: Point) -> bytes:
    x, y = pt
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def ref_add(a: Point, b: Point) -> Point:
    (x1, y1), (x2, y2) = a, b
    t = D * x1 * x2 * y1 * y2 % P
    return (
        (x1 * y2 + x2 * y1) * pow(1 + t, -1, P) % P,
        (y1 * y2 + x1 * x2) * pow(1 - t, -1, P) % P,
    )


def ref_mul(k: int, pt: Point) -> Point:
    acc: Point = (0, 1)
    while k:
        if k & 1:
            acc = ref_add(acc, pt)
        pt = ref_add(pt, pt)
        k >>= 1
    return acc


# The eight points of the torsion subgroup E[8], indexed by k in T8 = k*T (T of order 8).
TORSION_HEX = [
    "0100000000000000000000000000000000000000000000000000000000000000",  # identity
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
    "0000000000000000000000000000000000000000000000000000000000000080",  # order 4
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # order 2
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",  # order 8
    "0000000000000000000000000000000000000000000000000000000000000000",  # order 4
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  # order 8
]
TORSION = [bytes.fromhex(h) for h in TORSION_HEX]
IDENTITY_BYTES = TORSION[0]
BASE_BYTES = bytes.fromhex("58" + "66" * 31)

SMALL_ORDER_MSG = "small-order element refused"
TORSION_MSG = "not in the prime-order subgroup"
NON_CANONICAL_Y_MSG = "y coordinate is not reduced modulo p"
SIGN_BIT_MSG = "x = 0 with the sign bit set"
OFF_CURVE_MSG = "not a point on edwards25519"
IDENTITY_MSG = "the identity element is not allowed here"
LENGTH_MSG = "element encoding must be exactly 32 bytes"


def test_reference_torsion_table_is_the_torsion_subgroup() -> None:
    """Self-check of the fixtures: eight distinct points, each killed by 8, T1 generates them."""
    pts = [ref_decode(b) for b in TORSION]
    assert all(p is not None for p in pts)
    assert len(set(TORSION)) == 8
    t1 = pts[1]
    assert t1 is not None
    for k, pt in enumerate(pts):
        assert ref_mul(8, pt) == (0, 1)  # type: ignore[arg-type]
        assert ref_encode(ref_mul(k, t1)) == TORSION[k]


# --------------------------------------------------------------------------- constants


def test_constants() -> None:
    assert L == 2**252 + 27742317777372353535851937790883648493
    assert bytes(BASE) == BASE_BYTES
    assert bytes(IDENTITY) == IDENTITY_BYTES
    assert IDENTITY.is_identity() and not BASE.is_identity()
    assert base_mul(Scalar(1)) == BASE
    assert ref_mul(L, ref_decode(BASE_BYTES)) == (0, 1)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- bad elements


@pytest.mark.parametrize("k", range(1, 8))
def test_small_order_points_rejected(k: int) -> None:
    for allow in (False, True):
        with pytest.raises(GroupError, match=SMALL_ORDER_MSG):
            Element.from_bytes(TORSION[k], allow_identity=allow)
        with pytest.raises(GroupError, match=SMALL_ORDER_MSG):
            Element.from_hex(TORSION_HEX[k], allow_identity=allow)


def test_identity_refused_unless_allowed() -> None:
    with pytest.raises(GroupError, match=IDENTITY_MSG):
        Element.from_bytes(IDENTITY_BYTES)
    with pytest.raises(GroupError, match=IDENTITY_MSG):
        Element.from_hex(IDENTITY_BYTES.hex())
    assert Element.from_bytes(IDENTITY_BYTES, allow_identity=True) is IDENTITY
    assert Element.from_hex(IDENTITY_BYTES.hex(), allow_identity=True).is_identity()


def _y_bytes(y: int, sign: int = 0) -> bytes:
    return (y | (sign << 255)).to_bytes(32, "little")


@pytest.mark.parametrize("y", [P, P + 1, P + 2, P + 18, 2**255 - 1])
@pytest.mark.parametrize("sign", [0, 1])
def test_non_canonical_y_rejected(y: int, sign: int) -> None:
    """y >= p: y = p is a second encoding of y = 0, y = p + 1 of the identity, etc."""
    for allow in (False, True):
        with pytest.raises(GroupError, match=NON_CANONICAL_Y_MSG):
            Element.from_bytes(_y_bytes(y, sign), allow_identity=allow)


@pytest.mark.parametrize("y", [1, P - 1])
def test_x_zero_with_sign_bit_rejected(y: int) -> None:
    """The two points with x = 0 (identity and the order-2 point) have one encoding only."""
    for allow in (False, True):
        with pytest.raises(GroupError, match=SIGN_BIT_MSG):
            Element.from_bytes(_y_bytes(y, 1), allow_identity=allow)


def _off_curve_ys(count: int) -> list[int]:
    found: list[int] = []
    i = 0
    while len(found) < count:
        y = int.from_bytes(hashlib.sha256(b"off-curve" + bytes([i])).digest(), "little") % P
        i += 1
        if ref_decode(_y_bytes(y)) is None:
            found.append(y)
    return found


@pytest.mark.parametrize("y", _off_curve_ys(4))
def test_points_off_the_curve_rejected(y: int) -> None:
    for sign in (0, 1):
        with pytest.raises(GroupError, match=OFF_CURVE_MSG):
            Element.from_bytes(_y_bytes(y, sign))


@pytest.mark.parametrize("k", range(1, 8))
def test_torsion_component_rejected_with_subgroup_message(k: int) -> None:
    p_pt = ref_decode(bytes(base_mul(Scalar(123456789))))
    t_pt = ref_decode(TORSION[k])
    assert p_pt is not None and t_pt is not None
    bad = ref_encode(ref_add(p_pt, t_pt))
    with pytest.raises(GroupError, match=TORSION_MSG):
        Element.from_bytes(bad)


@pytest.mark.parametrize("k", range(1, 8))
def test_torsion_component_rejected(k: int) -> None:
    """Whatever the message, P + T8 never gets in (also with allow_identity)."""
    p_pt = ref_decode(bytes(base_mul(Scalar(987654321))))
    t_pt = ref_decode(TORSION[k])
    assert p_pt is not None and t_pt is not None
    bad = ref_encode(ref_add(p_pt, t_pt))
    for allow in (False, True):
        with pytest.raises(GroupError):
            Element.from_bytes(bad, allow_identity=allow)


@pytest.mark.parametrize("length", [0, 1, 31, 33, 64])
def test_element_wrong_length_rejected(length: int) -> None:
    with pytest.raises(GroupError, match=LENGTH_MSG):
        Element.from_bytes(b"\x01" * length)
    with pytest.raises(GroupError, match=LENGTH_MSG):
        Element.from_hex("01" * length)


@pytest.mark.parametrize("text", ["zz" * 32, "0" * 63, "58" + "66" * 30 + "6"])
def test_element_bad_hex_rejected(text: str) -> None:
    with pytest.raises(GroupError, match="hexadecimal"):
        Element.from_hex(text)


def test_element_not_bytes_rejected() -> None:
    with pytest.raises(GroupError, match=LENGTH_MSG):
        Element.from_bytes("58" * 32)  # type: ignore[arg-type]


def test_element_cannot_be_built_without_validation() -> None:
    with pytest.raises(TypeError):
        Element(BASE_BYTES)


def _respell(raw: bytes) -> list[str]:
    return [
        raw.hex().upper(),
        " ".join(f"{b:02x}" for b in raw),
        raw.hex()[:2] + " " + raw.hex()[2:],
    ]


@pytest.mark.parametrize("text", _respell(bytes(base_mul(Scalar(7)))))
def test_element_hex_must_be_canonical_lower_case(text: str) -> None:
    with pytest.raises(GroupError):
        Element.from_hex(text)


@pytest.mark.parametrize("text", _respell(bytes.fromhex("0a" + "00" * 31)))
def test_scalar_hex_must_be_canonical_lower_case(text: str) -> None:
    with pytest.raises(GroupError):
        Scalar.from_hex(text)


# --------------------------------------------------------------------------- scalars


@pytest.mark.parametrize("value", [L, L + 1, L + 2**200, 2**253, 2**256 - 1])
def test_scalar_at_or_above_order_rejected(value: int) -> None:
    raw = value.to_bytes(32, "little")
    with pytest.raises(
        GroupError, match="non-canonical scalar: value is at or above the group order L"
    ):
        Scalar.from_bytes(raw)
    with pytest.raises(GroupError, match="non-canonical scalar"):
        Scalar.from_hex(raw.hex())


@pytest.mark.parametrize("value", [0, 1, L - 1, 2**252])
def test_scalar_canonical_accepted(value: int) -> None:
    s = Scalar.from_bytes(value.to_bytes(32, "little"))
    assert s.value == value


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_scalar_wrong_length_rejected(length: int) -> None:
    with pytest.raises(GroupError, match="scalar encoding must be exactly 32 bytes"):
        Scalar.from_bytes(b"\x00" * length)


def test_scalar_constructor_range() -> None:
    for bad in (-1, L, 2**256):
        with pytest.raises(GroupError, match="scalar out of range"):
            Scalar(bad)
    assert Scalar.from_int(L + 5).value == 5
    assert Scalar.from_int(-1).value == L - 1


def test_scalar_bad_hex() -> None:
    with pytest.raises(GroupError, match="scalar encoding must be exactly 32 bytes"):
        Scalar.from_hex("xyz")
    with pytest.raises(GroupError, match="scalar encoding must be exactly 32 bytes"):
        Scalar.from_hex(None)  # type: ignore[arg-type]


def test_reduce64_and_hash() -> None:
    data = bytes(range(64))
    assert Scalar.reduce64(data).value == int.from_bytes(data, "little") % L
    assert (
        Scalar.hash(b"abc").value == int.from_bytes(hashlib.sha512(b"abc").digest(), "little") % L
    )
    with pytest.raises(GroupError, match="64 bytes"):
        Scalar.reduce64(b"\x00" * 32)


def test_random_scalars_are_non_zero_and_distinct() -> None:
    draws = {Scalar.random().value for _ in range(50)}
    assert len(draws) == 50 and 0 not in draws


def test_scalar_inverse() -> None:
    s = Scalar(123456789)
    assert (s * s.inverse()).value == 1
    with pytest.raises(GroupError, match="zero has no inverse"):
        Scalar(0).inverse()


def test_scalar_repr_hides_value() -> None:
    assert "123" not in repr(Scalar(123))


# --------------------------------------------------------------------------- zero and identity edges


def test_zero_scalar_edges() -> None:
    """libsodium raises on each of these; the wrapper answers the identity."""
    p = base_mul(Scalar(42))
    assert base_mul(Scalar(0)) == IDENTITY
    assert p * Scalar(0) == IDENTITY
    assert BASE * Scalar(0) == IDENTITY
    assert IDENTITY * Scalar(7) == IDENTITY
    assert IDENTITY * Scalar(0) == IDENTITY
    assert p - p == IDENTITY
    assert bytes(p - p) == IDENTITY_BYTES
    assert p + IDENTITY == p and IDENTITY + p == p
    assert IDENTITY - p == -p
    assert -IDENTITY == IDENTITY
    assert Element.sum([]) == IDENTITY
    assert Element.sum([p, -p]) == IDENTITY


def test_multiplying_by_order_minus_one_gives_negation() -> None:
    p = base_mul(Scalar(42))
    assert p * Scalar(L - 1) == -p
    assert base_mul(Scalar(L - 1)) == -BASE


def test_scalar_times_element() -> None:
    assert Scalar(3) * BASE == base_mul(Scalar(3))


def test_element_times_non_scalar_is_type_error() -> None:
    with pytest.raises(TypeError):
        BASE * 3  # type: ignore[operator]


# --------------------------------------------------------------------------- laws (hypothesis)

scalars = st.integers(min_value=0, max_value=L - 1).map(Scalar)


@settings(max_examples=40, deadline=None)
@given(a=scalars, b=scalars)
def test_group_laws(a: Scalar, b: Scalar) -> None:
    pa, pb = base_mul(a), base_mul(b)
    assert pa + pb == base_mul(a + b)
    assert pa - pb == base_mul(a - b)
    assert pa * b == base_mul(a * b)
    assert pb * a == pa * b
    assert -pa == base_mul(-a)
    assert Element.sum([pa, pb, pa]) == pa + pb + pa


@settings(max_examples=40, deadline=None)
@given(a=scalars)
def test_base_mul_matches_reference(a: Scalar) -> None:
    ref = ref_mul(a.value, ref_decode(BASE_BYTES))  # type: ignore[arg-type]
    assert bytes(base_mul(a)) == ref_encode(ref)


@settings(max_examples=40, deadline=None)
@given(a=scalars)
def test_round_trips(a: Scalar) -> None:
    assert Scalar.from_bytes(bytes(a)) == a
    assert Scalar.from_hex(a.hex()) == a
    assert a.hex() == bytes(a).hex() and len(a.hex()) == 64
    e = base_mul(a)
    allow = a.is_zero()
    assert Element.from_bytes(bytes(e), allow_identity=allow) == e
    assert Element.from_hex(e.hex(), allow_identity=allow) == e
    assert hash(Element.from_hex(e.hex(), allow_identity=allow)) == hash(e)


@settings(max_examples=60, deadline=None)
@given(raw=st.binary(min_size=32, max_size=32))
def test_arbitrary_bytes_never_crash(raw: bytes) -> None:
    """Any 32 bytes either decode to a subgroup element or raise GroupError."""
    try:
        e = Element.from_bytes(raw, allow_identity=True)
    except GroupError:
        return
    assert e.is_identity() or ref_mul(L, ref_decode(raw)) == (0, 1)  # type: ignore[arg-type]
