"""The prime-order subgroup of edwards25519, through libsodium.

Two value types live here: :class:`Scalar` (an integer modulo the group order
``L``) and :class:`Element` (a point of the prime-order subgroup, or the
identity).  Both have one canonical 32-byte encoding and refuse every other.

Why a wrapper at all: libsodium's ``noclamp`` calls refuse the identity and a
zero scalar (they raise), and silently reduce scalars at or above ``L``.  The
identity legitimately appears in exponential ElGamal (an encryption of zero
summed with its negation, a tally of zero votes), and a hostile prover may send
a zero response.  So every edge is handled here, once, and the rest of the
code never calls libsodium directly.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from typing import Final

from nacl import bindings as _nacl

__all__ = [
    "BASE",
    "IDENTITY",
    "Element",
    "GroupError",
    "L",
    "Scalar",
    "base_mul",
    "element_from_uniform",
    "hex_bytes",
    "linear_combination",
]

#: Order of the prime-order subgroup of edwards25519.
L: Final = 2**252 + 27742317777372353535851937790883648493

_IDENTITY_BYTES: Final = b"\x01" + b"\x00" * 31
_BASE_BYTES: Final = b"\x58" + b"\x66" * 31


class GroupError(ValueError):
    """A scalar or element failed validation.  The message says which check."""


class Scalar:
    """An integer modulo ``L`` with a canonical 32-byte little-endian encoding."""

    __slots__ = ("_b", "_v")

    def __init__(self, value: int) -> None:
        if not 0 <= value < L:
            raise GroupError("scalar out of range: it must satisfy 0 <= s < L")
        self._v = value
        self._b = value.to_bytes(32, "little")

    # --- construction -----------------------------------------------------
    @classmethod
    def from_bytes(cls, data: bytes) -> Scalar:
        """Decode a canonical scalar; anything else is rejected, never reduced."""
        if not isinstance(data, bytes | bytearray) or len(data) != 32:
            raise GroupError("scalar encoding must be exactly 32 bytes")
        value = int.from_bytes(data, "little")
        if value >= L:
            raise GroupError("non-canonical scalar: value is at or above the group order L")
        return cls(value)

    @classmethod
    def from_hex(cls, text: str) -> Scalar:
        return cls.from_bytes(_strict_hex(text, "scalar"))

    @classmethod
    def from_int(cls, value: int) -> Scalar:
        """Reduce any integer modulo ``L`` (for internal arithmetic, not for input)."""
        return cls(value % L)

    @classmethod
    def reduce64(cls, data: bytes) -> Scalar:
        """Map 64 uniform bytes to a (statistically) uniform scalar."""
        if len(data) != 64:
            raise GroupError("reduce64 needs exactly 64 bytes")
        return cls(int.from_bytes(_nacl.crypto_core_ed25519_scalar_reduce(bytes(data)), "little"))

    @classmethod
    def random(cls) -> Scalar:
        """A uniformly random non-zero scalar from the operating system's CSPRNG."""
        while True:
            s = cls.reduce64(secrets.token_bytes(64))
            if s._v != 0:
                return s

    @classmethod
    def hash(cls, data: bytes) -> Scalar:
        """SHA-512 of ``data`` reduced modulo ``L``."""
        return cls.reduce64(hashlib.sha512(data).digest())

    # --- encoding -----------------------------------------------------------
    def __bytes__(self) -> bytes:
        return self._b

    def hex(self) -> str:
        return self._b.hex()

    def __int__(self) -> int:
        return self._v

    @property
    def value(self) -> int:
        return self._v

    def is_zero(self) -> bool:
        return self._v == 0

    # --- arithmetic modulo L ----------------------------------------------
    def __add__(self, other: Scalar) -> Scalar:
        return Scalar((self._v + other._v) % L)

    def __sub__(self, other: Scalar) -> Scalar:
        return Scalar((self._v - other._v) % L)

    def __mul__(self, other: Scalar) -> Scalar:
        if not isinstance(other, Scalar):
            return NotImplemented
        return Scalar((self._v * other._v) % L)

    def __neg__(self) -> Scalar:
        return Scalar((-self._v) % L)

    def inverse(self) -> Scalar:
        if self._v == 0:
            raise GroupError("zero has no inverse modulo L")
        return Scalar(pow(self._v, -1, L))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scalar) and secrets.compare_digest(self._b, other._b)

    def __hash__(self) -> int:
        return hash(self._b)

    def __repr__(self) -> str:
        return "Scalar(<hidden>)"


class Element:
    """A point of the prime-order subgroup of edwards25519, or the identity.

    Build one from outside data only through :meth:`from_bytes`, which checks
    the encoding is canonical, on the curve, in the prime-order subgroup and
    not of small order.  The identity is refused there unless the caller says
    the protocol allows it at that place (``allow_identity=True``).
    """

    __slots__ = ("_b",)

    def __init__(self, encoded: bytes, *, _trusted: bool = False) -> None:
        if not _trusted:
            raise TypeError("use Element.from_bytes() to build an element from bytes")
        self._b = encoded

    @classmethod
    def from_bytes(cls, data: bytes, *, allow_identity: bool = False) -> Element:
        if not isinstance(data, bytes | bytearray) or len(data) != 32:
            raise GroupError("element encoding must be exactly 32 bytes")
        data = bytes(data)
        if data == _IDENTITY_BYTES:
            if allow_identity:
                return IDENTITY
            raise GroupError("the identity element is not allowed here")
        if not _nacl.crypto_core_ed25519_is_valid_point(data):
            raise GroupError(_diagnose(data))
        return cls(data, _trusted=True)

    @classmethod
    def from_hex(cls, text: str, *, allow_identity: bool = False) -> Element:
        return cls.from_bytes(_strict_hex(text, "element"), allow_identity=allow_identity)

    def __bytes__(self) -> bytes:
        return self._b

    def hex(self) -> str:
        return self._b.hex()

    def is_identity(self) -> bool:
        return self._b == _IDENTITY_BYTES

    @staticmethod
    def sum(items: Iterable[Element]) -> Element:
        """Sum many elements with one FFI call each and no intermediate objects.

        libsodium's point addition accepts and returns the identity, so no
        special case is needed; this is the aggregation hot loop of a tally.
        """
        add = _nacl.crypto_core_ed25519_add
        acc = _IDENTITY_BYTES
        for item in items:
            acc = add(acc, item._b)
        return Element(acc, _trusted=True)

    def __add__(self, other: Element) -> Element:
        if self.is_identity():
            return other
        if other.is_identity():
            return self
        return Element(_nacl.crypto_core_ed25519_add(self._b, other._b), _trusted=True)

    def __sub__(self, other: Element) -> Element:
        if other.is_identity():
            return self
        return Element(_nacl.crypto_core_ed25519_sub(self._b, other._b), _trusted=True)

    def __neg__(self) -> Element:
        return IDENTITY - self

    def __mul__(self, scalar: Scalar) -> Element:
        """Variable-base scalar multiplication ``scalar * self``."""
        if not isinstance(scalar, Scalar):
            return NotImplemented
        if scalar.is_zero() or self.is_identity():
            return IDENTITY
        if self._b == _BASE_BYTES:
            return base_mul(scalar)
        return Element(
            _nacl.crypto_scalarmult_ed25519_noclamp(bytes(scalar), self._b), _trusted=True
        )

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Element) and self._b == other._b

    def __hash__(self) -> int:
        return hash(self._b)

    def __repr__(self) -> str:
        return f"Element({self._b.hex()[:16]}…)"


def base_mul(scalar: Scalar) -> Element:
    """Fixed-base multiplication ``scalar * B`` (much faster than variable-base)."""
    if scalar.is_zero():
        return IDENTITY
    return Element(_nacl.crypto_scalarmult_ed25519_base_noclamp(bytes(scalar)), _trusted=True)


def linear_combination(scalars: Sequence[Scalar], elements: Sequence[Element]) -> Element:
    """The sum of s_i * P_i, with the same edges as ``*`` and ``+`` (zero terms dropped).

    The hot loop of a proof of shuffle (thousands of terms): it works on the
    encodings directly, one FFI call per product and per sum, instead of
    building an :class:`Element` per step.  libsodium has no multi-scalar
    multiplication, so this is the plain sum of products.
    """
    if len(scalars) != len(elements):
        raise ValueError("a linear combination needs one scalar per element")
    mul, add = _nacl.crypto_scalarmult_ed25519_noclamp, _nacl.crypto_core_ed25519_add
    base = _nacl.crypto_scalarmult_ed25519_base_noclamp
    acc = _IDENTITY_BYTES
    for s, p in zip(scalars, elements, strict=True):
        if s._v == 0 or p._b == _IDENTITY_BYTES:
            continue
        acc = add(acc, base(s._b) if p._b == _BASE_BYTES else mul(s._b, p._b))
    return Element(acc, _trusted=True)


def element_from_uniform(data: bytes) -> Element:
    """libsodium's ``crypto_core_ed25519_from_uniform``: 32 bytes to an element.

    Elligator 2 onto the curve, then multiplication by the cofactor 8, so the
    result is in the prime-order subgroup: either of order L or the identity
    (for a few inputs, e.g. 32 zero bytes).  The identity is refused here
    (:class:`GroupError`); callers that derive generators move on to the next
    counter.  Nobody knows the discrete logarithm of the result to any base,
    which is what makes it an independent generator (``docs/PROTOCOL.md``,
    "Mix-net", gives the map step by step).
    """
    if not isinstance(data, bytes | bytearray) or len(data) != 32:
        raise GroupError("from_uniform needs exactly 32 bytes")
    point = _nacl.crypto_core_ed25519_from_uniform(bytes(data))
    if point == _IDENTITY_BYTES:
        raise GroupError("the identity element is not allowed here")
    return Element(point, _trusted=True)


_P: Final = 2**255 - 19
_D: Final = (-121665 * pow(121666, -1, _P)) % _P


def _diagnose(data: bytes) -> str:
    """Explain why libsodium refused an encoding, for a clear error message.

    Runs only on the error path, so plain-integer Edwards arithmetic is fine.
    """
    y = int.from_bytes(data, "little") & ((1 << 255) - 1)
    sign = data[31] >> 7
    if y >= _P:
        return "non-canonical element encoding: y coordinate is not reduced modulo p"
    x = _recover_x(y, sign)
    if x is None:
        return "not a point on edwards25519: no x coordinate matches this y"
    if x == 0 and sign:
        return "non-canonical element encoding: x = 0 with the sign bit set"
    point = (x, y)
    for _ in range(3):
        point = _edwards_add(point, point)
    if point == (0, 1):
        return "small-order element refused (it would leak or cancel information)"
    return "element is not in the prime-order subgroup (it has a torsion component)"


def _edwards_add(p1: tuple[int, int], p2: tuple[int, int]) -> tuple[int, int]:
    (x1, y1), (x2, y2) = p1, p2
    t = _D * x1 * x2 * y1 * y2 % _P
    x3 = (x1 * y2 + x2 * y1) * pow(1 + t, -1, _P) % _P
    y3 = (y1 * y2 + x1 * x2) * pow(1 - t, -1, _P) % _P
    return x3, y3


def _recover_x(y: int, sign: int) -> int | None:
    u = (y * y - 1) % _P
    v = (_D * y * y + 1) % _P
    x2 = u * pow(v, -1, _P) % _P
    if x2 == 0:
        return 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * pow(2, (_P - 1) // 4, _P) % _P
    if (x * x - x2) % _P != 0:
        return None
    if x & 1 != sign:
        x = _P - x
    return x


def _strict_hex(text: object, what: str) -> bytes:
    if not isinstance(text, str) or _HEX64.fullmatch(text) is None:
        raise GroupError(
            f"{what} encoding must be exactly 32 bytes, written as 64 lower-case hexadecimal characters"
        )
    return bytes.fromhex(text)


def hex_bytes(text: object, what: str, length: int | None = None) -> bytes:
    """Decode lower-case hexadecimal, the only spelling the protocol accepts.

    ``bytes.fromhex`` also accepts upper case and spaces, which would give one
    value several JSON spellings (and a ballot several trackers).  Raises
    :class:`GroupError` naming ``what``.
    """
    if not isinstance(text, str) or _HEX.fullmatch(text) is None:
        raise GroupError(f"{what} must be lower-case hexadecimal with an even number of digits")
    raw = bytes.fromhex(text)
    if length is not None and len(raw) != length:
        raise GroupError(f"{what} must be {length} bytes")
    return raw


_HEX64: Final = re.compile(r"[0-9a-f]{64}")
_HEX: Final = re.compile(r"(?:[0-9a-f]{2})*")


IDENTITY: Final = Element(_IDENTITY_BYTES, _trusted=True)
BASE: Final = Element(_BASE_BYTES, _trusted=True)
