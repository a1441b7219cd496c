"""The cast transaction: one voter link, one verified ballot, one board entry, one receipt.

Order of work, and why:

1. **Outside any transaction** — look up the token (a read), parse and verify the ballot
   (proofs cost milliseconds of CPU), and check its alphas against those already used.
   Nothing is locked while the CPU works, so casts for one election verify in parallel.
   Look-ups of casts arriving together share one query (:mod:`.links`, :mod:`.verification`).
2. **One transaction** — lock the election row (``SELECT ... FOR UPDATE`` on PostgreSQL;
   on SQLite the first write takes the database's single writer lock, which is the same
   serialisation), use the token with a conditional ``UPDATE ... WHERE status='active'``,
   check the election is still open, record the alphas (a unique key: the database refuses
   a replay even if two casts race past step 1), store the ballot, append the board entry,
   sign the new head, commit.  All or nothing: a refusal leaves the token usable.
   Casts arriving together share one such transaction (:mod:`.commit`, :mod:`.writers`):
   one lock, one statement per table, one signed head.

The election row is locked *before* the token is touched so the lock order matches the
committee's close (election row, then every active token): no deadlock between a cast and
a close.  The board time is read after the lock, so board times never go backwards even
with several server processes.

The voter's identity never reaches the board or ``cast_ballots``; a challenged voter's
ballot goes to the challenged pool (:mod:`ballot.store.challenged`) instead.  Benaloh
audits (:mod:`.audits`) follow the same two steps.  Refusals are
:class:`ballot.election.refusal.Refused` with a voter-facing code (:mod:`.refusals`).

The names other code imports are re-exported here.
"""

from ballot.store.casting.audits import MAX_AUDITS_PER_LINK, audit
from ballot.store.casting.commit import RECEIPT_TYPE, CastQueue, cast, commit_batch
from ballot.store.casting.context import (
    ElectionCrypto,
    election_context,
    election_crypto,
    stored_context,
)
from ballot.store.casting.entries import entry_hash_of, fast_canonical, payload_json
from ballot.store.casting.links import Link, LinkRead, LinkReader
from ballot.store.casting.refusals import (
    CLOSED,
    NOT_READY,
    REPLAY,
    TRY_AGAIN,
    USED,
    CastRefused,
    refuse_token,
)
from ballot.store.casting.verification import Verified, verify_for_cast

__all__ = [
    "CLOSED",
    "MAX_AUDITS_PER_LINK",
    "NOT_READY",
    "RECEIPT_TYPE",
    "REPLAY",
    "TRY_AGAIN",
    "USED",
    "CastQueue",
    "CastRefused",
    "ElectionCrypto",
    "Link",
    "LinkRead",
    "LinkReader",
    "Verified",
    "audit",
    "cast",
    "commit_batch",
    "election_context",
    "election_crypto",
    "entry_hash_of",
    "fast_canonical",
    "payload_json",
    "refuse_token",
    "stored_context",
    "verify_for_cast",
]
