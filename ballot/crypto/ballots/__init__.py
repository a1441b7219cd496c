"""The encrypted ballot: slot layout, encryption, verification, tracker, replay and audit.

Slot layout per question (the protocol; ``docs/PROTOCOL.md`` "Ballot encoding").
Every slot is an exponential-ElGamal encryption of 0 or 1 with a [0, 1] range
proof; the *count proof* is a range proof on a homomorphic combination of the
slots and is what makes over-voting impossible:

===================  =============================  =====================================
question shape       slots                          count proof
===================  =============================  =====================================
choose exactly one   options 0..n-2 (the last one   sum of slots in [0, 1]; omitted when
(min = max = 1)      is implied)                    there is only one slot (yes/no)
min = 0, max = 1     one per option                 sum in [0, 1]; omitted for one slot
min = 0, max >= 2    one per option + "blank"       sum(options) + max*blank in [1, max]
min >= 1 (other)     one per option                 sum in [min, max]
ranked (max = w)     one per rank, each in [0, n]:  none (never summed: counted after
                     0 or candidate index + 1       the mix-net)
===================  =============================  =====================================

Why: the implied last option saves a ciphertext and a proof per ballot (a
yes/no question is ONE ciphertext); the weighted blank slot makes "blank" and
"something selected" mutually exclusive, since blank=1 forces the option sum
to 0 and blank=0 forces it into [1, max].  A count proof on a single slot with
range [0, 1] would prove the same statement as the slot proof, so it is left out.

Proof contexts (bound into each Fiat-Shamir challenge together with the
election fingerprint, the key and the ciphertext): ``["slot", q, s]`` and
``["count", q]``, with 0-based indices encoded as 8-byte big-endian integers.
A proof therefore verifies only for its own slot of its own question of its
own election.

A ballot carries the questions on its member's ballot, ``manifest.on_ballot(unit)``
(every question without a unit, plus the unit's own races), in definition order;
``q`` in a context is always the DEFINITION index, so a per-unit ballot's proofs cannot
be moved to another question either.  Encrypting, verifying and auditing therefore
take the ballot's ``unit`` (keyword, None = a ballot without unit); without per-unit
races every ballot carries every question, exactly as before units existed.

The package, one module per concern: :mod:`.layout` (format tags, errors, slot
layout), :mod:`.encrypted` (value types and their JSON), :mod:`.encryption`,
:mod:`.verification`, :mod:`.trackers` (tracker and replay) and :mod:`.audit`
(Benaloh).  Every public name is importable from ``ballot.crypto.ballots`` as before.
"""

from __future__ import annotations

from .audit import AuditedBallot, check_audit
from .encrypted import BallotSecrets, EncryptedBallot, EncryptedQuestion, EncryptedSlot, SlotSecret
from .encryption import encrypt_ballot
from .layout import (
    AUDIT_FORMAT,
    BALLOT_FORMAT,
    BallotError,
    BallotProofError,
    SlotLayout,
    layout,
    validate_selection,
)
from .trackers import ballot_alphas, reused_ciphertexts, tracker, tracker_display
from .verification import check_shape, verify_ballot

__all__ = [
    "AUDIT_FORMAT",
    "BALLOT_FORMAT",
    "AuditedBallot",
    "BallotError",
    "BallotProofError",
    "BallotSecrets",
    "EncryptedBallot",
    "EncryptedQuestion",
    "EncryptedSlot",
    "SlotLayout",
    "SlotSecret",
    "ballot_alphas",
    "check_audit",
    "check_shape",
    "encrypt_ballot",
    "layout",
    "reused_ciphertexts",
    "tracker",
    "tracker_display",
    "validate_selection",
    "verify_ballot",
]
