"""Revoting in the record (PROTOCOL 11.10): the closing counts, and which ballots a later
ballot of the same alias replaced.

With revoting on, an alias may have several ``ballot.cast`` entries; the last in board
order counts and the earlier ones are *replaced*: never in any tally, the same as an
uncounted ballot everywhere else in the verifier (:meth:`.scan.Lifecycle.counted`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from ballot.crypto.elgamal import Ciphertext
from ballot.crypto.group import Element
from ballot.election.revoting import replaced_ballots
from ballot.record.kinds import Kind
from ballot.record.verify.report import failure
from ballot.record.verify.roll import CommittedRoll
from ballot.record.verify.scan import Ballot, Line, is_count, payload_keys

#: ``election.closed`` of an election that allows revoting: exactly these keys.
CLOSED_KEYS: Final = {"cast", "challenged", "counted", "replaced"}


def replaced_by(roll: CommittedRoll | None) -> dict[int, int]:
    """Each replaced ballot's seq -> the seq of its alias's last ballot ({} without
    revoting)."""
    if roll is None or not roll.replaced:
        return {}
    return {seq: roll.ballot_of[alias] for seq, alias in roll.replaced.items()}


def check_closed_revoting(
    line: Line, where: str, ballots: Sequence[Ballot], replaced: dict[int, str]
) -> None:
    """``election.closed`` with revoting: every cast ballot, those counted, those replaced."""
    fail = failure("board lifecycle")
    p = payload_keys(line, CLOSED_KEYS)
    cast = [(b.seq, b.alias or "") for b in ballots if b.kind == Kind.CAST]
    # The roll noted the replacements as it went; the rule itself says the same.
    assert set(replaced_ballots(cast)) == set(replaced)
    board = {
        "cast": len(cast),
        "challenged": sum(1 for b in ballots if b.kind == Kind.CHALLENGED),
        "counted": len(cast) - len(replaced),
        "replaced": len(replaced),
    }
    for key in sorted(CLOSED_KEYS):
        if not is_count(p[key]):
            raise fail(f"{where}: '{key}' must be a non-negative integer")
    if p != board:
        said = ", ".join(f"{p[k]} {k}" for k in ("cast", "counted", "replaced", "challenged"))
        holds = ", ".join(f"{board[k]} {k}" for k in ("cast", "counted", "replaced", "challenged"))
        raise fail(
            f"{where}: says {said}; the board holds {holds} (the last ballot of each "
            "alias counts, PROTOCOL 11.10)"
        )


def replaced_in_tally(
    replaced: dict[int, int],
    summed: Sequence[Ciphertext],
    published: Sequence[Ciphertext],
    excluded: dict[int, list[tuple[int, bytes, bytes]]],
) -> str:
    """Why a tally differs, if it is because it counts replaced ballots: '' otherwise.

    Tries the replaced ballots one at a time, then all of them together, added to the sum
    of the counted ones: a server that summed every ``ballot.cast`` (not each alias's
    last) is named for what it did.
    """
    if not replaced:
        return ""

    def plus(seqs: Sequence[int]) -> list[Ciphertext]:
        out = list(summed)
        for seq in seqs:
            for k, a, b in excluded.get(seq, ()):
                out[k] = Ciphertext(
                    out[k].alpha + Element(a, _trusted=True),
                    out[k].beta + Element(b, _trusted=True),
                )
        return out

    order = sorted(replaced)
    for candidate in [[seq] for seq in order] + [order]:
        if all(seq in excluded for seq in candidate) and plus(candidate) == list(published):
            first = candidate[0]
            more = f" and {len(candidate) - 1} more" if len(candidate) > 1 else ""
            return (
                f"; it counts the replaced ballot of board entry {first}{more} (replaced by "
                f"the same member's later ballot, board entry {replaced[first]}): with "
                "revoting only the last ballot of each alias counts"
            )
    return ""
