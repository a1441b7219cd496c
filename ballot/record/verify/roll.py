"""The committed roll of a protocol-v2 board: its aliases, and what each alias did (PROTOCOL 11.8).

``roll.frozen`` commits the roll as a sorted list of aliases, one per eligible member, and
``roll.added`` commits a member added later; ``eligible`` is the number committed, so it is
no longer the server's word alone.  Every ballot names its alias: an alias must be
committed, may have at most one ballot that counts or may count (cast or challenged:
with revoting, its last cast ballot replaces the earlier ones, PROTOCOL 11.10), and
may not vote on a link that was revoked unless a reissue came after the revocation; a
member who voted on paper votes no more.  Each rule fails naming the entry and the alias.
"""

from __future__ import annotations

from typing import Any, Final

from ballot.record.aliases import is_alias
from ballot.record.kinds import Kind
from ballot.record.verify.report import failure
from ballot.record.verify.scan import Ballot, Line, is_count, payload_keys

#: Payload keys of the alias entries.
ALIAS_PAYLOADS: Final = {
    Kind.ROLL_ADDED: {"alias"},
    Kind.REISSUED: {"alias"},
    Kind.REVOKED: {"alias", "voted_on_paper"},
}

_fail = failure("board lifecycle")


class CommittedRoll:
    """The aliases a v2 board committed, and each one's ballot and link events so far."""

    def __init__(self) -> None:
        self.committed: dict[str, int] = {}  # alias -> seq of the entry that committed it
        self.ballot_of: dict[str, int] = {}  # alias -> seq of its cast or challenged ballot
        self.revoked: dict[str, tuple[int, bool]] = {}  # alias -> (seq, voted on paper)
        #: Revoting (PROTOCOL 11.10): an alias may cast again; its earlier ballots are
        #: replaced (seq -> alias) and ``ballot_of`` holds its last.
        self.revoting = False
        self.replaced: dict[int, str] = {}
        self.challenged: set[int] = set()  # seqs of challenged ballots

    @property
    def eligible(self) -> int:
        """Members on the roll: every alias committed, at opening or added since."""
        return len(self.committed)

    def frozen(self, line: Line, where: str) -> None:
        """``roll.frozen``: ``eligible`` equals the number of aliases, which are sorted and
        unique."""
        p = payload_keys(line, {"eligible", "aliases"})
        eligible, aliases = p["eligible"], p["aliases"]
        if not is_count(eligible):
            raise _fail(f"{where}: 'eligible' must be a non-negative integer")
        if not isinstance(aliases, list):
            raise _fail(f"{where}: 'aliases' must be a list of aliases")
        for i, alias in enumerate(aliases):
            if not is_alias(alias):
                raise _fail(f"{where}: alias {i} ({_shown(alias)}) is not an alias (XXXXX-XXXXX)")
            if i and aliases[i - 1] >= alias:
                raise _fail(
                    f"{where}: the aliases must be sorted and unique ({aliases[i - 1]!r} "
                    f"comes before {alias!r})"
                )
        if eligible != len(aliases):
            raise _fail(
                f"{where}: says {eligible} eligible members but commits {len(aliases)} aliases; "
                "'eligible' must be the number of aliases on the committed roll"
            )
        self.committed = dict.fromkeys(aliases, line.seq)

    def event(self, line: Line, where: str) -> None:
        """``roll.added``, ``link.reissued`` or ``link.revoked``."""
        p: dict[str, Any] = payload_keys(line, ALIAS_PAYLOADS[Kind(line.kind)])
        alias = p["alias"]
        if not is_alias(alias):
            raise _fail(f"{where}: {_shown(alias)} is not an alias (XXXXX-XXXXX)")
        if line.kind == Kind.ROLL_ADDED:
            if alias in self.committed:
                raise _fail(
                    f"{where}: alias {alias} is already on the committed roll (board entry "
                    f"{self.committed[alias]}); a late member needs a new alias"
                )
            self.committed[alias] = line.seq
            return
        self._known(alias, where)
        if alias in self.ballot_of:
            raise _fail(
                f"{where}: alias {alias} already voted (board entry {self.ballot_of[alias]}); "
                "its link cannot change after that"
            )
        paper = self.revoked.get(alias, (0, False))
        if paper[1]:
            raise _fail(
                f"{where}: alias {alias} voted on paper (board entry {paper[0]}); it cannot "
                "get another link"
            )
        if line.kind == Kind.REISSUED:
            self.revoked.pop(alias, None)
            return
        if type(p["voted_on_paper"]) is not bool:
            raise _fail(f"{where}: 'voted_on_paper' must be true or false")
        self.revoked[alias] = (line.seq, p["voted_on_paper"])

    def ballot(self, ballot: Ballot, where: str) -> None:
        """A cast or challenged ballot: its alias committed, its first, on a live link."""
        alias = ballot.alias
        if alias is None or not is_alias(alias):
            raise _fail(f"{where}: {_shown(alias)} is not an alias (XXXXX-XXXXX)")
        self._known(alias, where)
        if alias in self.ballot_of:
            self._again(ballot, alias, where)
        if alias in self.revoked:
            seq, paper = self.revoked[alias]
            why = "voted on paper" if paper else "its link was revoked"
            raise _fail(
                f"{where}: alias {alias} {why} at board entry {seq}, and no link was reissued "
                "since; no ballot may be cast with a revoked link"
            )
        self.ballot_of[alias] = ballot.seq
        if ballot.kind == Kind.CHALLENGED:
            self.challenged.add(ballot.seq)

    def _again(self, ballot: Ballot, alias: str, where: str) -> None:
        """A second ballot of ``alias``: with revoting, a cast one replaces a cast one."""
        first = self.ballot_of[alias]
        if not self.revoting:
            raise _fail(
                f"{where}: a second counted ballot for alias {alias} (its first is board entry "
                f"{first}); each member has one ballot (this election does not allow revoting)"
            )
        if ballot.kind != Kind.CAST or first in self.challenged:
            raise _fail(
                f"{where}: alias {alias} has a challenged ballot and another (board entry "
                f"{first}); a challenged ballot is never replaced nor replaces one"
            )
        self.replaced[first] = alias

    def _known(self, alias: str, where: str) -> None:
        if alias not in self.committed:
            raise _fail(
                f"{where}: alias {alias} is not on the committed roll (neither in "
                f"'{Kind.ROLL}' nor in a '{Kind.ROLL_ADDED}' before it)"
            )


def _shown(value: object) -> str:
    """A value from the record, cut short for a message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
