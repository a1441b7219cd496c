"""Fiat-Shamir challenges: the exact bytes that every proof's challenge hashes.

Strong Fiat-Shamir means the challenge depends on everything the verifier
relies on: a domain tag naming the proof kind, the election fingerprint (so a
proof cannot move between elections), the whole statement (the public key, the
ciphertext, the position of the ciphertext in the ballot) and every
commitment.  Helios hashed only the commitments, which let a prover pick the
statement after the challenge; this module makes that impossible by design.

Encoding (``docs/PROTOCOL.md`` 2.2, "Challenges (Fiat-Shamir)"): each part is
framed as a 4-byte big-endian length followed by its bytes; the hash is
SHA-512 of the concatenated frames, reduced modulo L.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from .group import Element, Scalar

Part = Element | Scalar | bytes | str | int

DOMAIN_PREFIX = "ballot/v1/"


def encode_part(part: Part) -> bytes:
    """The framed bytes of one hashed part."""
    if isinstance(part, Element | Scalar):
        raw = bytes(part)
    elif isinstance(part, bytes):
        raw = part
    elif isinstance(part, str):
        raw = part.encode("utf-8")
    elif isinstance(part, int) and not isinstance(part, bool):
        if not 0 <= part < 2**64:
            raise ValueError("integers in a Fiat-Shamir hash must fit in 64 unsigned bits")
        raw = part.to_bytes(8, "big")
    else:  # pragma: no cover - guarded by the type checker
        raise TypeError(f"cannot hash a {type(part).__name__}")
    return len(raw).to_bytes(4, "big") + raw


def fiat_shamir_challenge(tag: str, fingerprint: bytes, parts: Iterable[Part]) -> Scalar:
    """SHA-512(frame(DOMAIN_PREFIX + tag) || frame(fingerprint) || frame(part)...) mod L."""
    h = hashlib.sha512()
    h.update(encode_part(DOMAIN_PREFIX + tag))
    h.update(encode_part(fingerprint))
    for part in parts:
        h.update(encode_part(part))
    return Scalar.reduce64(h.digest())


class ChallengeHasher:
    """The hash of :func:`fiat_shamir_challenge`, fed one part at a time.

    Same bytes, same result: ``ChallengeHasher(tag, fp)`` then ``extend(parts)``
    then ``challenge()`` equals ``fiat_shamir_challenge(tag, fp, parts)``.
    Why it exists: a proof of shuffle hashes two lists of thousands of
    ciphertexts, and several of its challenges (one per item, then the final
    one) begin with exactly those frames; :meth:`copy` lets the long common
    beginning be hashed once instead of once per challenge.
    """

    __slots__ = ("_h",)

    def __init__(self, tag: str, fingerprint: bytes) -> None:
        self._h = hashlib.sha512()
        self._h.update(encode_part(DOMAIN_PREFIX + tag))
        self._h.update(encode_part(fingerprint))

    def append(self, part: Part) -> None:
        self._h.update(encode_part(part))

    def extend(self, parts: Iterable[Part]) -> None:
        update = self._h.update
        for part in parts:
            update(encode_part(part))

    def copy(self) -> ChallengeHasher:
        """An independent hasher holding the same frames so far."""
        twin = ChallengeHasher.__new__(ChallengeHasher)
        twin._h = self._h.copy()
        return twin

    def digest(self) -> bytes:
        """The 64 bytes of SHA-512 over the frames so far (the hasher stays usable)."""
        return self._h.digest()

    def challenge(self) -> Scalar:
        """The digest read as a little-endian integer, mod L."""
        return Scalar.reduce64(self._h.digest())
