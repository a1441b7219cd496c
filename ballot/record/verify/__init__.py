"""The standalone verifier: check a whole election record from its file alone.

``verify_record(path)`` needs no server and no database: an observer, a
candidate or a labour board downloads the record and runs this.  It checks,
in this order, and reports the FIRST failure in words that name it:

1. the record's members against the SHA-256 sums in its index;
2. the board's hash chain (numbering, links, entry hashes);
3. the server's signed heads, and that the final head is the last entry (in a v2
   record, under the board key bound in the definition only);
4. the election definition in force (the last ``election.defined``; earlier ones
   were withdrawn), its manifest hash and the election fingerprint;
5. the key-ceremony transcript bound to that definition, and the joint key it yields;
6. the board's lifecycle (what may follow what: withdrawals, rounds, certification;
   counts in the closing entry); in a v2 record the committed roll too: every ballot's
   alias committed, one counted ballot per alias (with revoting, the last of an alias's
   cast ballots counts and the earlier are replaced: :mod:`.revotes`, PROTOCOL 11.10),
   none on a revoked link, ``eligible`` the number of aliases (:mod:`.roll`, PROTOCOL
   11.8);
7. every cast and challenged ballot: structure, proofs, election fingerprint,
   tracker = SHA-256 of its JSON; every audited ballot's opening (in parallel over
   all cores);
8. no duplicate tracker and no reused ciphertext (no replayed ballot), and no
   ciphertext of an audited ballot in a cast or challenged one;
9. each round's encrypted tally is the homomorphic sum of exactly the ballots it
   counts (cast, plus challenged ones overruled before that tally; never sustained
   or undecided ones, never audited ones); with subtotals per unit, the pools the rule
   of :mod:`ballot.record.units` gives and each pool's sum (PROTOCOL 10.5);
10. every trustee's partial decryption proof, per round (and per unit pool);
11. the combination gives each round's published counts, and the counts are possible;
12. the outcome and the "challenges determinative" flag follow from the rule;
13. with ranked races, the mix-net (:mod:`.mix`; its entries' order is the lifecycle's,
    :mod:`.mix_entries`): every shuffle, every partial decryption of the mixed ballots,
    the published ballots and each race's recomputed count (PROTOCOL 18.7);
14. the convenience copies (tally.json, partials.json, result.json) equal the final
    round's board entries.

Ordering matters because a later check means little once an earlier one
fails: a proof cannot be trusted on a board whose chain is broken.  The work,
however, overlaps: ballot proofs run in worker processes while the main
process checks the chain, so the whole run costs about the ballot proofs
divided by the number of cores.

With ``fingerprint`` (``ballot verify --fingerprint``) a record of any other election
fails at once.

The package, one file per part: :mod:`.scan` (board lines, links), :mod:`.lifecycle`
(what may follow what), :mod:`.roll` (aliases), :mod:`.ceremony` (definition and key
ceremony), :mod:`.heads`,
:mod:`.ballots` (ballot proofs in worker processes, replays), :mod:`.rounds` (tallies,
partial decryptions, counts), :mod:`.subtotals` (unit pools), :mod:`.results` (result,
copies, trackers), :mod:`.mix_entries` and :mod:`.mix` (the mix-net), :mod:`.report`
(steps and failures), :mod:`.run`, :mod:`.cli` and :mod:`.ranked_table` (ranked rounds).
The result rule itself is :mod:`ballot.election.result`.
"""

from __future__ import annotations

from ballot.election.result import challenges_determinative, decide_outcome, unit_results
from ballot.record.canonical import compact as _compact
from ballot.record.canonical import plain as _plain
from ballot.record.verify.ballots import CHUNK
from ballot.record.verify.ballots import entry_hash as _entry_hash
from ballot.record.verify.cli import main
from ballot.record.verify.report import (
    STEPS,
    Progress,
    TrackerFinding,
    VerificationFailed,
    VerificationReport,
)
from ballot.record.verify.results import expected_result, outcome_rule
from ballot.record.verify.run import POOL_THRESHOLD, verify_record

__all__ = [
    "CHUNK",
    "POOL_THRESHOLD",
    "STEPS",
    "Progress",
    "TrackerFinding",
    "VerificationFailed",
    "VerificationReport",
    "_compact",
    "_entry_hash",
    "_plain",
    "challenges_determinative",
    "decide_outcome",
    "expected_result",
    "main",
    "outcome_rule",
    "unit_results",
    "verify_record",
]
