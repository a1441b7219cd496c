"""The ceremony's format tags, its one error type, and the strict readers of its JSON fields."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable

from ..group import GroupError, Scalar, hex_bytes
from ..sharebox import Entropy
from ..threshold import MAX_TRUSTEES

TRANSCRIPT_FORMAT = "ballot/key-ceremony/v1"
SHARE_FORMAT = "ballot/trustee-share/v1"
COEFFICIENT_TAG = "coefficient"

Rng = Callable[[], Scalar]


class CeremonyError(ValueError):
    """The ceremony cannot produce a key, or a transcript is wrong.

    ``trustee`` names the trustee at fault when there is one.
    """

    def __init__(self, trustee: int | None, reason: str) -> None:
        super().__init__(reason if trustee is None else f"trustee {trustee}: {reason}")
        self.trustee = trustee
        self.reason = reason


def _int(obj: dict[str, object], key: str, what: str, lo: int = 1, hi: int = MAX_TRUSTEES) -> int:
    value = obj.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise CeremonyError(None, f"{what}: '{key}' must be an integer from {lo} to {hi}")
    return value


def _obj(obj: object, keys: set[str], what: str) -> dict[str, object]:
    if not isinstance(obj, dict) or set(obj) != keys:
        raise CeremonyError(None, f"{what} must be an object with exactly the keys {sorted(keys)}")
    return obj


def _hex(obj: dict[str, object], key: str, what: str, length: int | None = None) -> bytes:
    value = obj.get(key)
    if not isinstance(value, str):
        raise CeremonyError(None, f"{what}: '{key}' must be a hexadecimal string")
    try:
        return hex_bytes(value, f"{what}: '{key}'", length)
    except GroupError as exc:
        raise CeremonyError(None, str(exc)) from exc


def _list(obj: dict[str, object], key: str, what: str) -> list[object]:
    value = obj.get(key)
    if not isinstance(value, list):
        raise CeremonyError(None, f"{what}: '{key}' must be a list")
    return value


def _entropy_from(rng: Rng | None) -> Entropy:
    """X25519 secrets from the scalar rng when one is given (seeded tests), else the OS."""
    if rng is None:
        return secrets.token_bytes
    source = rng

    def entropy(n: int) -> bytes:
        data = hashlib.sha512(b"ballot/v1/x25519" + bytes(source()) + bytes(source())).digest()
        return data[:n]

    return entropy
