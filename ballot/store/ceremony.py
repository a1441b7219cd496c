"""The key ceremony step, kept behind one small module so the store speaks one language.

Two ways to finish a ceremony:

* a *local (demo) ceremony*: the server runs every trustee's part at once and hands
  back each trustee's secret, sealed with a passphrase — only for demos and tests;
* an *uploaded transcript*: the trustees held the ceremony themselves and the
  committee posts its public transcript.

Either way the transcript is re-verified here from its public data alone (every
dealer's proofs, every complaint, the joint and verification keys) against the
manifest hash, exactly as the election record's verifier will later; a transcript
the verifier would reject must never reach the board.
"""

from __future__ import annotations

from typing import Any

from ballot.crypto.ceremony import CeremonyResult, verify_transcript
from ballot.crypto.ceremony import local_ceremony as crypto_local_ceremony
from ballot.crypto.keyfile import seal_key
from ballot.crypto.manifest import ElectionManifest, election_fingerprint
from ballot.crypto.manifest import manifest_hash as crypto_manifest_hash


class TranscriptRejected(ValueError):
    """The uploaded transcript does not verify; the message says why (and who, if known)."""


def manifest_hash(manifest: dict[str, Any]) -> bytes:
    """Check the manifest has the shape the crypto layer needs, and hash it.

    Raises ValueError (the crypto layer's ManifestError) with its reason.
    """
    ElectionManifest.from_definition(manifest)
    return crypto_manifest_hash(manifest)


def local_ceremony(k: int, n: int, manifest_digest: bytes) -> tuple[dict[str, Any], list[bytes]]:
    """Run every trustee's part here: (public transcript, per-trustee secret blobs)."""
    return crypto_local_ceremony(k, n, manifest_digest)


def seal_secret(secret: bytes, passphrase: str) -> bytes:
    return seal_key(secret, passphrase)


def verify(transcript: Any, manifest_digest: bytes) -> CeremonyResult:
    """Recompute what the transcript claims; raise :class:`TranscriptRejected` if it lies."""
    try:
        return verify_transcript(transcript, manifest_digest)
    except ValueError as exc:  # CeremonyError, ThresholdError and malformed input alike
        raise TranscriptRejected(f"the ceremony transcript does not verify: {exc}") from exc


def fingerprint(manifest_digest: bytes, result: CeremonyResult) -> bytes:
    """The election fingerprint: manifest hash, joint key and V_1..V_n in trustee order."""
    keys = [result.verification_keys[i] for i in range(1, result.n + 1)]
    return election_fingerprint(manifest_digest, result.joint_public_key, keys)
