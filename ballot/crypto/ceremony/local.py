"""The whole key ceremony in one process: for tests, benches and demo elections."""

from __future__ import annotations

from ..sharebox import EncryptedShare, new_receiving_secret, receiving_key
from .complaints import Complaint, Resolution, qualify_dealers, receive_shares
from .dealing import DealerMessage, _check_kn, deal
from .formats import CeremonyError, Rng, _entropy_from
from .settlement import settle, trustee_share
from .transcript import build_transcript


def local_ceremony(
    k: int, n: int, manifest_hash: bytes, *, rng: Rng | None = None
) -> tuple[dict[str, object], list[bytes]]:
    """Run every trustee's part here (demo and tests): (public transcript, secret blobs).

    The secret blobs are :meth:`TrusteeShare.to_bytes`, index order 1..n,
    ready for :func:`ballot.crypto.keyfile.seal_key`.  Honest trustees raise
    no complaints, so the complaint list is empty.
    """
    _check_kn(k, n)
    if not isinstance(manifest_hash, bytes) or len(manifest_hash) != 32:
        raise CeremonyError(None, "the manifest hash must be 32 bytes")
    entropy = _entropy_from(rng)
    receiving_secrets = {i: new_receiving_secret(entropy) for i in range(1, n + 1)}
    keys = {i: receiving_key(s) for i, s in receiving_secrets.items()}
    messages: list[DealerMessage] = []
    boxes: list[EncryptedShare] = []
    for i in range(1, n + 1):
        message, sent, _kept = deal(i, k, n, manifest_hash, keys, rng=rng)
        messages.append(message)
        boxes.extend(sent)
    valid, _bad = qualify_dealers(messages, k, n, manifest_hash)
    received = [
        receive_shares(i, receiving_secrets[i], manifest_hash, valid, boxes)
        for i in range(1, n + 1)
    ]
    complaints: list[tuple[Complaint, Resolution | None]] = [
        (c, None) for r in received for c in r.complaints
    ]
    if complaints:  # pragma: no cover - honest local dealers never cause one
        raise CeremonyError(complaints[0][0].dealer, "local ceremony produced a complaint")
    result = settle(k, n, manifest_hash, messages, boxes, complaints)
    blobs = [trustee_share(r, result, manifest_hash).to_bytes() for r in received]
    return build_transcript(result, manifest_hash, messages, boxes, complaints), blobs
