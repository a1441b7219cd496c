"""The key ceremony step, kept behind one function so the crypto layer can be swapped in.

Two ways to finish a ceremony today:

* a *local (demo) ceremony*: the server runs every trustee's part at once and hands
  back each trustee's secret, sealed with a passphrase — only for demos and tests;
* *uploaded public data*: trustees post their commitments/shares JSON, and the
  committee posts the public transcript with the joint public key.
"""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785


class CeremonyUnavailable(RuntimeError):
    """The crypto layer's ceremony is not installed in this build."""


def manifest_hash(manifest: dict[str, Any]) -> bytes:
    """Check the manifest has the shape the crypto layer needs, and hash it.

    Raises ValueError (the crypto layer's ManifestError) with its reason.
    """
    try:
        from ballot.crypto.manifest import ElectionManifest
        from ballot.crypto.manifest import manifest_hash as crypto_manifest_hash
    except ImportError:  # pragma: no cover - until the crypto layer lands
        return hashlib.sha256(rfc8785.dumps(manifest)).digest()
    ElectionManifest.from_definition(manifest)
    return crypto_manifest_hash(manifest)


def local_ceremony(k: int, n: int, manifest_digest: bytes) -> tuple[dict[str, Any], list[bytes]]:
    """Run every trustee's part here: (public transcript, per-trustee secret blobs)."""
    try:
        from ballot.crypto.ceremony import local_ceremony as crypto_local_ceremony
    except ImportError as exc:  # pragma: no cover
        raise CeremonyUnavailable("the local key ceremony is not available yet") from exc
    return crypto_local_ceremony(k, n, manifest_digest)


def seal_secret(secret: bytes, passphrase: str) -> bytes:
    try:
        from ballot.crypto.keyfile import seal_key
    except ImportError as exc:  # pragma: no cover
        raise CeremonyUnavailable("trustee key files are not available yet") from exc
    return seal_key(secret, passphrase)


def check_transcript(transcript: Any) -> str:
    """Minimal shape check of an uploaded transcript; returns the joint public key (hex)."""
    if not isinstance(transcript, dict):
        raise ValueError("the transcript must be a JSON object")
    key = transcript.get("joint_public_key")
    if not isinstance(key, str) or len(key) != 64:
        raise ValueError("the transcript needs 'joint_public_key' as 64 hex digits")
    try:
        bytes.fromhex(key)
    except ValueError as exc:
        raise ValueError("'joint_public_key' is not hex") from exc
    return key
