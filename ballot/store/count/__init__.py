"""The count, read from and written to the election's board, in rounds.

This package reads the board and does the crypto (:mod:`.state`: where the count stands;
:mod:`.sums`: the encrypted tallies; :mod:`.decryption`: trustees' partial decryptions and
the result); :mod:`ballot.service.count` decides what may happen when and writes.
"Tally" is kept for the crypto's encrypted sum; the whole process is the count.
"""

from __future__ import annotations

from ballot.election.context import ElectionContext, context_from_text
from ballot.election.refusal import Refused
from ballot.store.count.decryption import (
    check_partials,
    check_unit_partials,
    combine_result,
    combine_units,
    labelled,
    parse_partials,
    parse_tally,
    parse_unit_partials,
    parse_units,
)
from ballot.store.count.state import MAX_ROUNDS, CountState, count_state, payload_of
from ballot.store.count.sums import CountBroken, add_tallies, encrypted_tally, unit_tallies
from ballot.store.models import Election

__all__ = [
    "MAX_ROUNDS",
    "CountBroken",
    "CountState",
    "add_tallies",
    "check_partials",
    "check_unit_partials",
    "combine_result",
    "combine_units",
    "count_state",
    "election_context",
    "encrypted_tally",
    "labelled",
    "parse_partials",
    "parse_tally",
    "parse_unit_partials",
    "parse_units",
    "payload_of",
    "unit_tallies",
]


def election_context(election: Election) -> ElectionContext:
    """The election's manifest, trustee keys and fingerprint (cached: fixed once keyed).

    The stored transcript is verified again (it was when recorded, and once per process
    since): the verification keys partial decryptions are checked against come only from
    a verified one.  A stored transcript that no longer verifies raises
    :class:`ballot.election.context.ContextError` (a broken server, not a refusal).
    """
    if not (election.manifest and election.manifest_hash and election.ceremony):
        raise Refused("this election has no finished key ceremony", code="no_ceremony")
    return context_from_text(election.manifest, election.ceremony)
