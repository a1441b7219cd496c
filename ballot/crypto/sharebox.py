"""Sealed boxes for the key ceremony: dealer i's share s_{i,l} encrypted to trustee l.

Construction (``/work/notes/protocol-threshold.md`` gives the bytes):
X25519 between a fresh *ephemeral* key of the dealer and the recipient's
receiving key, HKDF-SHA256 to a 32-byte AES key and a 12-byte nonce, then
AES-256-GCM over the 32-byte scalar.  The HKDF info and the GCM associated
data both bind the manifest hash, the dealer index, the recipient index and
both public keys, so a box cannot be replayed into another election or
re-addressed to another (dealer, recipient) pair.

Why an ephemeral key per share rather than the dealer's static key:

* it makes complaints *publicly checkable*.  When a recipient complains, the
  dealer answers by revealing the share and the ephemeral secret of that one
  box.  Anyone can then recompute the key, open the box and see whether it
  holds the revealed share.  Revealing a static key would expose every other
  share the dealer sent; an ephemeral secret exposes only a share that is
  being made public anyway;
* every box has its own key, so the fixed, derived nonce is never reused;
* the dealer needs no long-term encryption key at all, only the bulletin
  board to authenticate who posted the box.

Authenticity of the dealer is *not* provided by this layer (ephemeral keys are
anonymous).  It comes from the bulletin board (each dealer's posts are signed
there) and, for the content, from the Feldman commitments: a share that does
not match its dealer's commitments is rejected whoever sent it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .group import GroupError, Scalar, hex_bytes

__all__ = [
    "EncryptedShare",
    "ShareboxError",
    "check_receiving_key",
    "new_receiving_secret",
    "open_share",
    "open_with_ephemeral",
    "receiving_key",
    "seal_share",
]

DOMAIN = b"ballot/v1/share"
_KEY_LEN = 32
_NONCE_LEN = 12
#: 32-byte scalar + 16-byte GCM tag.
CIPHERTEXT_LEN = 48

Entropy = Callable[[int], bytes]


class ShareboxError(ValueError):
    """A box cannot be opened, or a receiving key / box is malformed."""


def _bytes32(value: object, what: str) -> bytes:
    if not isinstance(value, bytes) or len(value) != 32:
        raise ShareboxError(f"{what} must be exactly 32 bytes")
    return value


def new_receiving_secret(entropy: Entropy = secrets.token_bytes) -> bytes:
    """A fresh X25519 secret key (32 raw bytes; X25519 clamps it on use)."""
    return _bytes32(entropy(32), "X25519 secret key")


def receiving_key(secret: bytes) -> bytes:
    """The X25519 public key (32 raw bytes) that goes into the dealer message."""
    priv = X25519PrivateKey.from_private_bytes(_bytes32(secret, "X25519 secret key"))
    return priv.public_key().public_bytes_raw()


_PROBE = X25519PrivateKey.from_private_bytes(hashlib.sha256(b"ballot/v1/probe").digest())


def check_receiving_key(public: bytes) -> bytes:
    """Refuse a receiving key of small order (every X25519 with it gives all zeros).

    Small-order points give an all-zero shared secret whatever the scalar, so
    probing with one fixed private key decides it; ``cryptography`` raises in
    exactly that case.
    """
    try:
        _PROBE.exchange(X25519PublicKey.from_public_bytes(_bytes32(public, "receiving key")))
    except ValueError as exc:
        raise ShareboxError("receiving key is a small-order X25519 point") from exc
    return public


def _context(
    manifest_hash: bytes, dealer: int, recipient: int, ephemeral: bytes, recipient_key: bytes
) -> bytes:
    """DOMAIN || manifest_hash (32) || dealer (u32 BE) || recipient (u32 BE) || eph || rkey."""
    _bytes32(manifest_hash, "manifest hash")
    return b"".join(
        [
            DOMAIN,
            manifest_hash,
            dealer.to_bytes(4, "big"),
            recipient.to_bytes(4, "big"),
            ephemeral,
            recipient_key,
        ]
    )


def _aead(shared: bytes, info: bytes) -> tuple[AESGCM, bytes]:
    okm = HKDF(
        algorithm=hashes.SHA256(), length=_KEY_LEN + _NONCE_LEN, salt=None, info=info
    ).derive(shared)
    return AESGCM(okm[:_KEY_LEN]), okm[_KEY_LEN:]


@dataclass(frozen=True, slots=True)
class EncryptedShare:
    """Dealer ``dealer``'s share for trustee ``recipient``, as posted publicly."""

    dealer: int
    recipient: int
    ephemeral_key: bytes
    ciphertext: bytes

    def to_json(self) -> dict[str, object]:
        return {
            "dealer": self.dealer,
            "recipient": self.recipient,
            "ephemeral_key": self.ephemeral_key.hex(),
            "ciphertext": self.ciphertext.hex(),
        }

    @classmethod
    def from_json(cls, obj: object) -> EncryptedShare:
        keys = {"dealer", "recipient", "ephemeral_key", "ciphertext"}
        if not isinstance(obj, dict) or set(obj) != keys:
            raise ShareboxError(f"an encrypted share is an object with exactly {sorted(keys)}")
        dealer, recipient = obj["dealer"], obj["recipient"]
        for v in (dealer, recipient):
            if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v < 2**31:
                raise ShareboxError("encrypted share indices must be positive integers")
        assert isinstance(dealer, int) and isinstance(recipient, int)
        eph = _hex(obj["ephemeral_key"], "ephemeral_key")
        ct = _hex(obj["ciphertext"], "ciphertext")
        if len(eph) != 32:
            raise ShareboxError("ephemeral_key must be 32 bytes")
        if len(ct) != CIPHERTEXT_LEN:
            raise ShareboxError(f"ciphertext must be {CIPHERTEXT_LEN} bytes")
        return cls(dealer, recipient, eph, ct)


def _hex(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise ShareboxError(f"'{what}' must be a hexadecimal string")
    try:
        return hex_bytes(value, f"'{what}'")
    except GroupError as exc:
        raise ShareboxError(str(exc)) from exc


def seal_share(
    share: Scalar,
    recipient_key: bytes,
    manifest_hash: bytes,
    dealer: int,
    recipient: int,
    *,
    entropy: Entropy = secrets.token_bytes,
) -> tuple[EncryptedShare, bytes]:
    """Encrypt ``share`` to ``recipient_key``.

    Returns the public box and the ephemeral secret, which the dealer keeps
    until complaints are settled (it is the dealer's evidence if the
    recipient complains).
    """
    check_receiving_key(recipient_key)
    eph_secret = new_receiving_secret(entropy)
    eph = X25519PrivateKey.from_private_bytes(eph_secret)
    eph_public = eph.public_key().public_bytes_raw()
    shared = eph.exchange(X25519PublicKey.from_public_bytes(recipient_key))
    info = _context(manifest_hash, dealer, recipient, eph_public, recipient_key)
    aead, nonce = _aead(shared, info)
    ct = aead.encrypt(nonce, bytes(share), info)
    return EncryptedShare(dealer, recipient, eph_public, ct), eph_secret


def _decrypt(
    shared: bytes, box: EncryptedShare, recipient_key: bytes, manifest_hash: bytes
) -> Scalar:
    info = _context(manifest_hash, box.dealer, box.recipient, box.ephemeral_key, recipient_key)
    aead, nonce = _aead(shared, info)
    try:
        plain = aead.decrypt(nonce, box.ciphertext, info)
    except InvalidTag as exc:
        raise ShareboxError(
            f"the share from dealer {box.dealer} to trustee {box.recipient} does not decrypt"
        ) from exc
    try:
        return Scalar.from_bytes(plain)
    except GroupError as exc:
        raise ShareboxError(f"the share from dealer {box.dealer} is not a valid scalar") from exc


def open_share(box: EncryptedShare, recipient_secret: bytes, manifest_hash: bytes) -> Scalar:
    """The recipient opens its own box with its receiving secret."""
    priv = X25519PrivateKey.from_private_bytes(_bytes32(recipient_secret, "X25519 secret key"))
    try:
        shared = priv.exchange(X25519PublicKey.from_public_bytes(box.ephemeral_key))
    except ValueError as exc:
        raise ShareboxError("the box's ephemeral key is a small-order point") from exc
    return _decrypt(shared, box, priv.public_key().public_bytes_raw(), manifest_hash)


def open_with_ephemeral(
    box: EncryptedShare, ephemeral_secret: bytes, recipient_key: bytes, manifest_hash: bytes
) -> Scalar:
    """Anyone opens a box with the dealer's revealed ephemeral secret (complaint judging).

    The secret must be the one behind the box's ephemeral key; otherwise the
    dealer has not shown what it sent.
    """
    eph = X25519PrivateKey.from_private_bytes(_bytes32(ephemeral_secret, "ephemeral secret"))
    if eph.public_key().public_bytes_raw() != box.ephemeral_key:
        raise ShareboxError("the revealed ephemeral secret does not match the box")
    try:
        shared = eph.exchange(X25519PublicKey.from_public_bytes(recipient_key))
    except ValueError as exc:
        raise ShareboxError("the recipient's receiving key is a small-order point") from exc
    return _decrypt(shared, box, recipient_key, manifest_hash)
