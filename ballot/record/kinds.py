"""The board's vocabulary: every entry kind, what each needs before it, which happen once.

This is the one place a kind is spelled (PROTOCOL.md 11.2); the server, the trustee tool,
the verifier and the synthetic records all name kinds through :class:`Kind`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final


class Kind(StrEnum):
    """A board entry kind, in lifecycle order.  The value is the wire spelling."""

    DEFINED = "election.defined"
    #: The definition in force taken back before the election opened (back to draft);
    #: a later ``election.defined`` starts the definition over.
    WITHDRAWN = "election.withdrawn"
    CEREMONY = "ceremony.completed"
    #: The roll frozen when voting opens; in protocol v2 it commits the voters' aliases.
    ROLL = "roll.frozen"
    OPENED = "election.opened"
    #: A member added to the roll after it was frozen, by a new alias (protocol v2).
    ROLL_ADDED = "roll.added"
    #: A member's voting link replaced by a new one, named by alias (protocol v2).
    REISSUED = "link.reissued"
    #: A member's voting link withdrawn (e.g. they voted on paper), named by alias (v2).
    REVOKED = "link.revoked"
    #: A member's returned paper ballot envelope, recorded unopened on their alias (v2): their
    #: online link dies, and the envelope is counted by hand after the close (PROTOCOL 11.11).
    PAPER_RECEIVED = "paper.received"
    #: An envelope from a member who had already voted (online, in person or by an earlier
    #: envelope): kept aside unopened and never counted (v2).
    PAPER_SET_ASIDE = "paper.set_aside"
    CAST = "ballot.cast"
    CHALLENGED = "ballot.challenged"
    #: A Benaloh-audited (spoiled) ballot with its opening: checked, never counted.
    AUDITED = "ballot.audited"
    CLOSED = "election.closed"
    DECIDED = "challenge.decided"
    #: The hand count of one pool of paper envelopes, agreed by two committee members (v2).
    PAPER_COUNT = "paper.count"
    TALLY = "tally.encrypted"
    PARTIAL = "tally.partial"
    RESULT = "tally.result"
    #: One trustee's shuffle of every ranked race's list, with its proofs (PROTOCOL 16, 18).
    MIX_SHUFFLED = "mix.shuffled"
    #: The chain of shuffles is complete (k trustees shuffled); decryption may begin.
    MIX_COMPLETED = "mix.completed"
    #: One trustee's partial decryptions of every shuffled ciphertext.
    MIX_PARTIAL = "mix.partial"
    #: The decrypted rankings of every ranked race, and their counts (PROTOCOL 17.5).
    MIX_RESULT = "mix.result"
    #: The committee's certification of the final round's result (once, last but notes).
    CERTIFIED = "result.certified"


#: Informational entries (state changes, observer notes, ceremony messages): allowed
#: anywhere but entry 0, checked for chaining only.
NOTE_PREFIX: Final = "note."
#: A state change of the election (payload ``{"from", "to"}``).
NOTE_STATE: Final = NOTE_PREFIX + "state"
#: Key ceremony messages: ``note.ceremony.<round>`` (PROTOCOL.md 6).
NOTE_CEREMONY_PREFIX: Final = NOTE_PREFIX + "ceremony."
#: Which trustee a ceremony note comes from.
NOTE_CEREMONY_TRUSTEE: Final = NOTE_CEREMONY_PREFIX + "trustee"

#: What must already be on the board before an entry of each kind.
NEEDS: Final[dict[Kind, tuple[Kind, ...]]] = {
    Kind.WITHDRAWN: (Kind.DEFINED,),
    Kind.CEREMONY: (Kind.DEFINED,),
    Kind.ROLL: (Kind.DEFINED,),
    Kind.OPENED: (Kind.CEREMONY, Kind.ROLL),
    Kind.ROLL_ADDED: (Kind.OPENED,),
    Kind.REISSUED: (Kind.OPENED,),
    Kind.REVOKED: (Kind.OPENED,),
    Kind.PAPER_RECEIVED: (Kind.OPENED,),
    Kind.PAPER_SET_ASIDE: (Kind.OPENED,),
    Kind.CAST: (Kind.OPENED,),
    Kind.CHALLENGED: (Kind.OPENED,),
    Kind.AUDITED: (Kind.OPENED,),
    Kind.CLOSED: (Kind.OPENED,),
    Kind.DECIDED: (Kind.CLOSED,),
    Kind.PAPER_COUNT: (Kind.CLOSED,),
    Kind.TALLY: (Kind.CLOSED,),
    Kind.PARTIAL: (Kind.TALLY,),
    Kind.RESULT: (Kind.TALLY,),
    Kind.MIX_SHUFFLED: (Kind.RESULT,),
    Kind.MIX_COMPLETED: (Kind.MIX_SHUFFLED,),
    Kind.MIX_PARTIAL: (Kind.MIX_COMPLETED,),
    Kind.MIX_RESULT: (Kind.MIX_PARTIAL,),
    Kind.CERTIFIED: (Kind.RESULT,),
}
#: Kinds that may appear at most once on a board.
ONCE: Final = frozenset(
    {Kind.ROLL, Kind.OPENED, Kind.CLOSED, Kind.CERTIFIED, Kind.MIX_COMPLETED, Kind.MIX_RESULT}
)
#: Every kind the verifier knows (notes aside).
KNOWN: Final = frozenset(Kind)
#: Ballots that count (cast) or may count (challenged).
BALLOT_KINDS: Final = (Kind.CAST, Kind.CHALLENGED)
#: Entries whose ballot proofs are checked: ballots, and audited ballots with their openings.
PROVEN_KINDS: Final = (Kind.CAST, Kind.CHALLENGED, Kind.AUDITED)
#: Entries about one member's voting link, each naming its alias (protocol v2, PROTOCOL 11.8);
#: like ballots, they happen only while voting is open.
ALIAS_KINDS: Final = (
    Kind.ROLL_ADDED,
    Kind.REISSUED,
    Kind.REVOKED,
    Kind.PAPER_RECEIVED,
    Kind.PAPER_SET_ASIDE,
)
#: Paper ballots: envelopes received or set aside (alias entries), and the hand counts.
PAPER_KINDS: Final = (Kind.PAPER_RECEIVED, Kind.PAPER_SET_ASIDE, Kind.PAPER_COUNT)
#: Entries that together make a round's count.
COUNT_KINDS: Final = (Kind.TALLY, Kind.PARTIAL, Kind.RESULT)
#: Entries of the mix-net of ranked races, after the final result (PROTOCOL 18).
MIX_KINDS: Final = (Kind.MIX_SHUFFLED, Kind.MIX_COMPLETED, Kind.MIX_PARTIAL, Kind.MIX_RESULT)


def is_note(kind: str) -> bool:
    """True for an informational ``note.*`` entry."""
    return kind.startswith(NOTE_PREFIX)


def is_final_result(payload: Mapping[str, Any]) -> bool:
    """Whether a ``tally.result`` payload is the election's final result: round 2, or a
    round 1 whose result does not say the challenges are determinative (PROTOCOL 11.2)."""
    result = payload.get("result")
    determinative = isinstance(result, Mapping) and result.get("determinative") is True
    return payload.get("round") == 2 or not determinative


def may_follow_final(kind: str, certified: bool) -> bool:
    """What the board still takes once its final result is on it: the mix-net of the
    ranked races (PROTOCOL 18), the certification (once) and notes; after the
    certification, notes only (PROTOCOL 11.2).  Whether the election has ranked races,
    and the order of the mix entries, are checked by their own rules."""
    if certified:
        return is_note(kind)
    return is_note(kind) or kind == Kind.CERTIFIED or kind in MIX_KINDS
