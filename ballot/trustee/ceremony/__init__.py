"""The trustee's side of the remote key ceremony, one step per round, resumable after a crash.

The tool keeps a small local *state file* sealed with the trustee's passphrase
(:mod:`ballot.crypto.keyfile`): the X25519 receiving secret and a 32-byte *dealing
seed*.  Everything else the trustee ever posts is recomputed from these and the public
messages, byte for byte:

* the dealing draws its coefficients, proof nonces and ephemeral keys from a
  deterministic generator keyed by the seed *and* by every public input of the
  dealing (election, attempt, manifest hash, position, k, n, all receiving keys), so
  a restarted tool posts the identical dealing (the server accepts an identical
  repost) and never reuses a nonce with different inputs;
* complaints follow from opening the boxes; resolutions from the re-derived dealing.

So a crash at any point is repaired by running the same command again.  The state is
written *before* the first message leaves the laptop and deleted once the key file is
written: the receiving secret and the dealing's secrets are not needed afterwards.

At the end the tool verifies the published transcript itself (every proof, every
complaint re-judged), checks that its secret share matches its public verification
key and the joint key, that the same transcript is on the public board, and only then
writes the sealed key file.

The package: :mod:`.state` (the sealed local state, progress reports), :mod:`.dealing`
(the re-derivable dealing), :mod:`.run` (the rounds against the server) and
:mod:`.published` (this trustee's share and the board's copy of the transcript).
"""

from __future__ import annotations

from .dealing import dealing_rng, my_dealing
from .published import board_entries, my_share
from .run import CeremonyOutcome, Poller, run_ceremony
from .state import STATE_FORMAT, CeremonyState, Report, load_state, quiet, state_path

__all__ = [
    "STATE_FORMAT",
    "CeremonyOutcome",
    "CeremonyState",
    "Poller",
    "Report",
    "board_entries",
    "dealing_rng",
    "load_state",
    "my_dealing",
    "my_share",
    "quiet",
    "run_ceremony",
    "state_path",
]
