"""One election's public context: definition, manifest hash, verified ceremony, keys, fingerprint.

Every part of the system that needs an election's keys (the store's cast path and count, the
trustee tool, the verifier, the synthetic-record generator) builds them here, from public
data only, and so agrees on them by construction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ballot.crypto.ceremony import CeremonyResult, verify_transcript
from ballot.crypto.group import Element
from ballot.crypto.manifest import ElectionManifest, election_fingerprint, manifest_hash
from ballot.election.races import check_races


def fingerprint_display(fingerprint_hex: str) -> str:
    """A fingerprint grouped for reading aloud and comparing by eye: ``3f9a 0c12 ...``.

    Sixteen groups of four hex digits; ``ballot verify --fingerprint`` takes it as shown.
    """
    return " ".join(fingerprint_hex[i : i + 4] for i in range(0, len(fingerprint_hex), 4))


class ContextError(ValueError):
    """The definition or the ceremony transcript cannot give a usable election context."""


def read_definition(definition: Mapping[str, Any]) -> tuple[ElectionManifest, bytes]:
    """A definition's manifest and manifest hash, before any ceremony is bound to it.

    The checks that come before the ceremony (the verifier's definition step, the trustee
    tool's "is this key file for this election") read the definition here, as
    :meth:`ElectionContext.from_public` does.
    """
    try:
        manifest = ElectionManifest.from_definition(definition)
        check_races(definition)  # the election rules of ranked and per-unit races
        return manifest, manifest_hash(definition)
    except (ValueError, TypeError) as exc:
        raise ContextError(f"the election definition is not usable: {exc}") from exc


@dataclass(frozen=True)
class ElectionContext:
    """What verifying, counting or encrypting a ballot for one election needs.

    Built only by :meth:`from_public`, which re-verifies the ceremony transcript against the
    manifest hash: keys come from a verified ceremony or not at all.
    """

    definition: Mapping[str, Any]
    manifest: ElectionManifest
    manifest_hash: bytes
    ceremony: CeremonyResult
    fingerprint: bytes
    #: The ceremony transcript as given (public data, kept for the record).
    transcript: Mapping[str, Any] = field(repr=False)

    @classmethod
    def from_public(
        cls, definition: Mapping[str, Any], transcript: Mapping[str, Any]
    ) -> ElectionContext:
        """Check the definition, verify the ceremony against its hash, derive the fingerprint."""
        manifest, digest = read_definition(definition)
        try:
            result = verify_transcript(transcript, digest)
        except (ValueError, TypeError, KeyError) as exc:
            raise ContextError(f"the ceremony transcript does not verify: {exc}") from exc
        keys = [result.verification_keys[i] for i in range(1, result.n + 1)]
        fingerprint = election_fingerprint(digest, result.joint_public_key, keys)
        return cls(definition, manifest, digest, result, fingerprint, transcript)

    @property
    def k(self) -> int:
        """Trustees needed to decrypt."""
        return self.ceremony.k

    @property
    def n(self) -> int:
        """Trustees in the ceremony."""
        return self.ceremony.n

    @property
    def joint_public_key(self) -> Element:
        return self.ceremony.joint_public_key

    @property
    def verification_keys(self) -> tuple[Element, ...]:
        """V_1..V_n in trustee order."""
        return tuple(self.ceremony.verification_keys[i] for i in range(1, self.n + 1))

    @property
    def manifest_hash_hex(self) -> str:
        return self.manifest_hash.hex()

    @property
    def fingerprint_hex(self) -> str:
        return self.fingerprint.hex()

    @property
    def fingerprint_grouped(self) -> str:
        return fingerprint_display(self.fingerprint_hex)

    @property
    def public_key_hex(self) -> str:
        return self.joint_public_key.hex()


@lru_cache(maxsize=64)
def context_from_text(definition_text: str, transcript_text: str) -> ElectionContext:
    """:meth:`ElectionContext.from_public` from stored JSON text, cached per process.

    An election's context is fixed once its ceremony is done, so the cast path and the
    count pay for verifying the transcript once per process, not per request.
    """
    try:
        definition = json.loads(definition_text)
        transcript = json.loads(transcript_text)
    except ValueError as exc:
        raise ContextError(f"stored election data is not JSON: {exc}") from exc
    if not isinstance(definition, dict) or not isinstance(transcript, dict):
        raise ContextError("the definition and the ceremony transcript must be JSON objects")
    return ElectionContext.from_public(definition, transcript)
