"""The server's Ed25519 board key and chained signed heads of the bulletin board.

A hash chain alone does not stop the server from quietly rebuilding a board from some
point on: the rebuilt chain verifies too.  So the server periodically signs the board's
*head* (the hash of its last entry), and every signed head also commits to the previous
signed head.  An observer who keeps the heads it polled can then prove a rewrite to a
third party: two heads validly signed by the same key that cannot lie on one chain of heads
(:func:`find_equivocation`), or a signed head that the board now published no longer
contains (:func:`verify_head_against_board`).

Signed message (RFC 8785 bytes)::

    {"type": "ballot.board.head", "election": <id>, "seq": <int>,
     "head": <hex hash of entry seq>, "at": <record time>, "prev": <hash of previous signed head>}

``prev`` is 64 zeros for an election's first signed head.  A signed head's own hash is
SHA-256 of the RFC 8785 bytes of the message fields plus ``"signature"``.

This module is pure: it reads and writes no key files (the store does that, via
:meth:`ServerKey.from_private_bytes` / :meth:`ServerKey.to_private_bytes`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from ballot.record.board import BoardEntry, verify_chain
from ballot.record.canonical import JSON, canonical_json, sha256_hex
from ballot.record.chain import GENESIS, check_at, format_at, is_hash

HEAD_TYPE = "ballot.board.head"


class SignatureError(ValueError):
    """A signature, public key or signed head does not verify."""


class ServerKey:
    """The server's Ed25519 signing key.  Its repr never shows the secret."""

    __slots__ = ("_key",)

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key

    @classmethod
    def generate(cls) -> ServerKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_private_bytes(cls, data: bytes) -> ServerKey:
        if not isinstance(data, bytes | bytearray) or len(data) != 32:
            raise ValueError("an Ed25519 private key is exactly 32 bytes")
        return cls(Ed25519PrivateKey.from_private_bytes(bytes(data)))

    def to_private_bytes(self) -> bytes:
        return self._key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())

    @property
    def public_hex(self) -> str:
        """The 32-byte public key in lower-case hex, as published with the election."""
        return self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()

    def sign(self, message: bytes) -> bytes:
        """The raw 64-byte signature (what the store keeps per board entry)."""
        return self._key.sign(message)

    def sign_hex(self, message: bytes) -> str:
        """The signature in lower-case hex, the spelling used on the record."""
        return self._key.sign(message).hex()

    def __repr__(self) -> str:
        return f"ServerKey(public={self.public_hex})"


def _public_key(public_hex: str) -> Ed25519PublicKey:
    try:
        raw = bytes.fromhex(public_hex)
    except (TypeError, ValueError) as exc:
        raise SignatureError("the public key is not hex") from exc
    if len(raw) != 32 or public_hex != raw.hex():
        raise SignatureError("the public key must be 64 lower-case hex digits")
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise SignatureError("the public key is not a valid Ed25519 key") from exc


def verify_signature(public_hex: str, message: bytes, signature_hex: str) -> None:
    """Raise :class:`SignatureError` unless ``signature_hex`` signs ``message`` under the key."""
    key = _public_key(public_hex)
    try:
        signature = bytes.fromhex(signature_hex)
    except (TypeError, ValueError) as exc:
        raise SignatureError("the signature is not hex") from exc
    if len(signature) != 64 or signature_hex != signature.hex():
        raise SignatureError("a signature must be 128 lower-case hex digits")
    try:
        key.verify(signature, message)
    except InvalidSignature as exc:
        raise SignatureError("the signature does not verify") from exc


@dataclass(frozen=True)
class SignedHead:
    """The server's signed statement "entry ``seq`` of this election's board has hash ``head_hash``"."""

    election_id: str
    seq: int
    head_hash: str
    at: str
    prev: str
    signature: str

    def message(self) -> bytes:
        """The exact bytes that are signed."""
        return _head_message(self.election_id, self.seq, self.head_hash, self.at, self.prev)

    @property
    def hash(self) -> str:
        """What the next signed head puts in its ``prev``."""
        return sha256_hex(canonical_json(self.to_json()))

    def to_json(self) -> dict[str, JSON]:
        return {
            "type": HEAD_TYPE,
            "election": self.election_id,
            "seq": self.seq,
            "head": self.head_hash,
            "at": self.at,
            "prev": self.prev,
            "signature": self.signature,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SignedHead:
        fields = {"type", "election", "seq", "head", "at", "prev", "signature"}
        if not isinstance(data, Mapping) or set(data) != fields:
            raise SignatureError(
                f"a signed head has exactly the fields {', '.join(sorted(fields))}"
            )
        if data["type"] != HEAD_TYPE:
            raise SignatureError(f"not a signed head (type {data['type']!r})")
        head = cls(
            data["election"], data["seq"], data["head"], data["at"], data["prev"], data["signature"]
        )
        _check_fields(head.election_id, head.seq, head.head_hash, head.at, head.prev)
        if not isinstance(head.signature, str):
            raise SignatureError("the signature must be a hex string")
        return head


def _check_fields(
    election_id: object, seq: object, head_hash: object, at: object, prev: object
) -> None:
    if not isinstance(election_id, str) or not election_id:
        raise SignatureError("a signed head needs an election id")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise SignatureError(f"seq {seq!r} is not a non-negative integer")
    if not is_hash(head_hash) or not is_hash(prev):
        raise SignatureError("head and prev must be 64 lower-case hex digits")
    try:
        check_at(at)
    except ValueError as exc:
        raise SignatureError(str(exc)) from exc


def _head_message(election_id: str, seq: int, head_hash: str, at: str, prev: str) -> bytes:
    return canonical_json(
        {
            "type": HEAD_TYPE,
            "election": election_id,
            "seq": seq,
            "head": head_hash,
            "at": at,
            "prev": prev,
        }
    )


def sign_head(
    key: ServerKey,
    election_id: str,
    last: BoardEntry,
    at: str | datetime,
    previous: SignedHead | None = None,
) -> SignedHead:
    """Sign the board whose last entry is ``last``, chaining to the ``previous`` signed head.

    Refuses to sign something that would itself be evidence of a rewrite: a board that went
    backwards, a different hash for an already signed seq, or a time before the previous head.
    """
    stamp = format_at(at) if isinstance(at, datetime) else at
    prev = GENESIS if previous is None else previous.hash
    _check_fields(election_id, last.seq, last.hash, stamp, prev)
    if previous is not None:
        _check_successor(previous, election_id, last.seq, last.hash, stamp)
    signature = key.sign_hex(_head_message(election_id, last.seq, last.hash, stamp, prev))
    return SignedHead(election_id, last.seq, last.hash, stamp, prev, signature)


def _check_successor(previous: SignedHead, election_id: str, seq: int, head: str, at: str) -> None:
    if election_id != previous.election_id:
        raise SignatureError(
            f"head for election {election_id} cannot follow one for {previous.election_id}"
        )
    if seq < previous.seq:
        raise SignatureError(f"board went backwards: seq {seq} after seq {previous.seq}")
    if seq == previous.seq and head != previous.head_hash:
        raise SignatureError(f"seq {seq} signed with two different hashes")
    if at < previous.at:  # same fixed-width format, so string order is time order
        raise SignatureError(
            f"signed head at {at} is earlier than the previous one at {previous.at}"
        )


def verify_head(head: SignedHead, public_hex: str) -> None:
    _check_fields(head.election_id, head.seq, head.head_hash, head.at, head.prev)
    verify_signature(public_hex, head.message(), head.signature)


def verify_head_sequence(
    heads: Sequence[SignedHead], public_hex: str, *, from_start: bool = True
) -> None:
    """Check a run of signed heads: each signature, each link, and that the board only grew.

    ``from_start``: the first head must be the election's first (``prev`` of 64 zeros).
    Pass ``False`` for a run an observer began polling part-way through.
    """
    for index, head in enumerate(heads):
        try:
            verify_head(head, public_hex)
        except SignatureError as exc:
            raise SignatureError(f"signed head {index} (board seq {head.seq}): {exc}") from exc
        if index == 0:
            if from_start and head.prev != GENESIS:
                raise SignatureError(
                    "signed head 0 is not the election's first (prev is not zeros)"
                )
            continue
        previous = heads[index - 1]
        if head.prev != previous.hash:
            raise SignatureError(f"signed head {index} does not chain to signed head {index - 1}")
        try:
            _check_successor(previous, head.election_id, head.seq, head.head_hash, head.at)
        except SignatureError as exc:
            raise SignatureError(f"signed head {index}: {exc}") from exc


def find_equivocation(
    heads: Iterable[SignedHead], public_hex: str
) -> tuple[SignedHead, SignedHead] | None:
    """Two validly signed heads that cannot both be on one honest chain, if any.

    Such a pair is proof, checkable by anyone with the public key, that the server showed
    different histories: one board seq with two hashes, or one predecessor with two
    different successors.  Heads that do not verify are ignored (anyone can forge those).
    """
    by_seq: dict[tuple[str, int], SignedHead] = {}
    by_prev: dict[tuple[str, str], SignedHead] = {}
    for head in heads:
        try:
            verify_head(head, public_hex)
        except SignatureError:
            continue
        other = by_seq.setdefault((head.election_id, head.seq), head)
        if other.head_hash != head.head_hash:
            return other, head
        sibling = by_prev.setdefault((head.election_id, head.prev), head)
        if sibling.hash != head.hash:
            return sibling, head
    return None


def verify_head_against_board(
    head: SignedHead, entries: Sequence[BoardEntry], public_hex: str
) -> None:
    """Check that a published board still contains what ``head`` signed.

    Raises :class:`SignatureError` if the head itself is bad or the board is shorter than the
    signed seq or has a different entry there (a rewrite, given a good signature), and
    :class:`~ballot.record.chain.ChainError` if the board does not verify at all.
    """
    verify_head(head, public_hex)
    verify_chain(entries)
    if head.seq >= len(entries):
        raise SignatureError(
            f"the board has {len(entries)} entries but seq {head.seq} was signed: it was truncated"
        )
    if entries[head.seq].hash != head.head_hash:
        raise SignatureError(f"seq {head.seq}: the board differs from what was signed (rewritten)")
