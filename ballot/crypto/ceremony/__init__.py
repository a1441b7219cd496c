"""The dealerless key ceremony (joint Feldman / Pedersen DKG), step by step and all at once.

No party ever holds the election's secret key.  Trustees are numbered 1..n;
each one *deals*: it picks a random polynomial f_i of degree k-1, publishes
Feldman commitments A_{i,j} = a_{i,j}*B to its coefficients (each with a
Schnorr proof of knowledge, which stops a trustee from choosing its
commitment as a function of the others' to cancel them: a "rogue key"), and
sends trustee l the share s_{i,l} = f_i(l), encrypted to l's receiving key
(:mod:`ballot.crypto.sharebox`).

Rounds (a remote trustee tool runs one function per round):

0. each trustee makes a receiving key pair (:func:`new_receiving_secret`,
   :func:`receiving_key`) and publishes the public half;
1. :func:`deal` -> a public :class:`DealerMessage` (commitments, proofs, and
   the dealer's receiving key, bound into the coefficient-0 proof), the public
   encrypted shares, and a :class:`DealerSecret` the dealer keeps until
   complaints are settled;
2. :func:`qualify_dealers` then :func:`receive_shares`: each recipient checks
   s_{i,l}*B == sum_j l^j A_{i,j} and files a :class:`Complaint` for every
   share that does not decrypt or does not match;
3. :func:`answer_complaint`: the accused dealer publishes a
   :class:`Resolution`: the share *and the ephemeral secret of that one box*;
4. :func:`settle` (anyone): :func:`judge_complaint` opens the box with the
   revealed ephemeral secret and checks the share against the commitments.
   The dealer is guilty if it is silent, if the secret does not open the box,
   if the box holds something other than the revealed share, or if the share
   does not match the commitments.  Otherwise the box opened to a correct
   share, so the complaint was false and the *complainer* is named.  A
   dealer whose resolution is accepted has made that one share public, which
   is harmless (fewer than k shares say nothing about f_i(0)); the recipient
   uses it.

Qualified set Q: every dealer whose message verifies, who sent exactly one
box to every trustee and who was not found guilty on a complaint.  A false
complainer is named in the result but stays qualified as a dealer: its
dealing is sound, and the lead decides what being named implies.  The
ceremony fails unless |Q| >= k: then, if fewer than k trustees collude, at
least one honest dealer's random polynomial is in the joint key.

Outputs: K = sum_{i in Q} A_{i,0}; trustee l's secret share
x_l = sum_{i in Q} s_{i,l}; its public verification key V_l, computable by
anyone from the commitments (:func:`ballot.crypto.threshold.verification_key`).

Known limitation, accepted deliberately: a rushing trustee who sees the
others' commitments before publishing can bias K slightly by getting itself
disqualified or not.  Gennaro, Jarecki, Krawczyk and Rabin show that this
bias does not help against ElGamal encryption (the key is still hard), which
is all the key is used for.

The Schnorr proofs hash the election's *manifest hash* as fingerprint (the
joint key does not exist yet) with context ``["coefficient", i, j]``, plus
the dealer's 32-byte receiving key for j = 0.

The package, one module per stage: :mod:`.formats` (format tags, the error, field
readers), :mod:`.dealing` (round 1), :mod:`.complaints` (rounds 2-4),
:mod:`.settlement` (the joint key and each trustee's share), :mod:`.transcript`
(the public transcript and its verification), :mod:`.local` (all in one process).
Every public name is importable from ``ballot.crypto.ceremony`` as before.
"""

from __future__ import annotations

from ..sharebox import new_receiving_secret, receiving_key
from .complaints import (
    Complaint,
    Received,
    Resolution,
    Verdict,
    answer_complaint,
    judge_complaint,
    qualify_dealers,
    receive_shares,
    share_matches,
)
from .dealing import DealerMessage, DealerSecret, coefficient_context, deal
from .formats import COEFFICIENT_TAG, SHARE_FORMAT, TRANSCRIPT_FORMAT, CeremonyError, Rng
from .local import local_ceremony
from .settlement import CeremonyResult, TrusteeShare, settle, trustee_share
from .transcript import build_transcript, verify_transcript

__all__ = [
    "COEFFICIENT_TAG",
    "SHARE_FORMAT",
    "TRANSCRIPT_FORMAT",
    "CeremonyError",
    "CeremonyResult",
    "Complaint",
    "DealerMessage",
    "DealerSecret",
    "Received",
    "Resolution",
    "Rng",
    "TrusteeShare",
    "Verdict",
    "answer_complaint",
    "build_transcript",
    "coefficient_context",
    "deal",
    "judge_complaint",
    "local_ceremony",
    "new_receiving_secret",
    "qualify_dealers",
    "receive_shares",
    "receiving_key",
    "settle",
    "share_matches",
    "trustee_share",
    "verify_transcript",
]
