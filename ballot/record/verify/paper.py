"""Paper envelopes and their hand counts on a protocol-v2 board (PROTOCOL 11.11).

A returned envelope is recorded unopened on its member's alias (``paper.received``): from
then on no online ballot may name that alias.  An envelope from a member who had already
voted is recorded as set aside (``paper.set_aside``) and never opened.  After the close,
the envelopes are counted by hand, one ``paper.count`` per pool, before the online tally
is taken; each lists the aliases whose envelopes it counted.  The checks here make the
one-vote-across-channels promise checkable: a counted envelope was received on a
committed alias, was not set aside, and belongs to a member with no online ballot; every
envelope received is counted exactly once; and each count's figures could come from the
envelopes it lists.  Every failure names the entry and the alias.
"""

from __future__ import annotations

from typing import Any

from ballot.crypto.manifest import ElectionManifest, ManifestError
from ballot.crypto.tally import OptionCounts
from ballot.election.paper import PaperCountError, PaperTotals, check_questions, paper_totals
from ballot.election.paper import option_counts as paper_option_counts
from ballot.record.aliases import is_alias
from ballot.record.kinds import Kind
from ballot.record.units import OTHER_UNITS, envelope_pools
from ballot.record.verify.report import failure
from ballot.record.verify.roll import CommittedRoll
from ballot.record.verify.scan import Line, payload_keys

_fail = failure("board lifecycle")


class PaperLedger:
    """The envelopes a v2 board recorded, set aside and counted, checked entry by entry."""

    def __init__(self, roll: CommittedRoll) -> None:
        self.roll = roll
        self.unit_of: dict[str, str] = {}  # alias -> unit label of its received envelope
        self.set_aside: dict[str, int] = {}  # alias -> seq of its (last) paper.set_aside
        self.counted_in: dict[str, int] = {}  # alias -> seq of the paper.count counting it
        self.pools_counted: dict[str, int] = {}  # pool -> seq of its paper.count
        self.counts: list[tuple[int, list[OptionCounts]]] = []
        self._pools: dict[str, str] | None = None

    def envelope(self, line: Line, where: str, min_size: int | None) -> None:
        """``paper.received`` or ``paper.set_aside``: on a committed alias."""
        received = line.kind == Kind.PAPER_RECEIVED
        keys = {"alias"} | ({"unit"} if received and min_size is not None else set())
        p = payload_keys(line, keys)
        alias = p["alias"]
        if not is_alias(alias):
            raise _fail(f"{where}: {alias!r:.40} is not an alias (XXXXX-XXXXX)")
        self.roll.known(alias, where)
        voted = self.roll.ballot_of.get(alias)
        earlier = self.roll.paper.get(alias)
        if received:
            if voted is not None or earlier is not None:
                first = voted if voted is not None else earlier
                raise _fail(
                    f"{where}: alias {alias} already voted (board entry {first}); a further "
                    f"envelope must be set aside unopened ('{Kind.PAPER_SET_ASIDE}'), not counted"
                )
            if min_size is not None and not isinstance(p["unit"], str):
                raise _fail(f"{where}: the unit must be text")
            self.roll.paper[alias] = line.seq
            self.unit_of[alias] = p["unit"] if min_size is not None else OTHER_UNITS
            return
        if voted is None and earlier is None:
            raise _fail(
                f"{where}: alias {alias} has neither a ballot nor an envelope received before "
                "it; only the envelope of a member who already voted is set aside"
            )
        self.set_aside[alias] = line.seq

    def count(
        self, line: Line, where: str, definition: object, min_size: int | None, tallied: bool
    ) -> None:
        """``paper.count``: one pool's hand count, before the tally, of received envelopes."""
        keys = {"aliases", "ballots", "questions"} | ({"unit"} if min_size is not None else set())
        p: dict[str, Any] = payload_keys(line, keys)
        if tallied:
            raise _fail(
                f"{where}: a paper count after the tally was taken; envelopes are counted "
                "before the online ballots are tallied"
            )
        aliases = p["aliases"]
        if not isinstance(aliases, list) or not aliases:
            raise _fail(f"{where}: 'aliases' must list the aliases of the envelopes counted")
        for i, alias in enumerate(aliases):
            if not is_alias(alias):
                raise _fail(f"{where}: {alias!r:.40} is not an alias (XXXXX-XXXXX)")
            if i and aliases[i - 1] >= alias:
                raise _fail(f"{where}: the aliases must be sorted and unique")
        if p["ballots"] != len(aliases):
            raise _fail(
                f"{where}: says {p['ballots']!r} ballots but lists {len(aliases)} envelopes"
            )
        pools = self._pool_map(min_size)
        pool = p["unit"] if min_size is not None else OTHER_UNITS
        for alias in aliases:
            self._countable(alias, where)
            if min_size is not None and pools[alias] != pool:
                raise _fail(
                    f"{where}: the envelope of alias {alias} belongs to pool "
                    f"{pools[alias]!r}, not {pool!r}"
                )
            self.counted_in[alias] = line.seq
        if pool in self.pools_counted:
            raise _fail(
                f"{where}: a second paper count for pool {pool!r} (the first is board entry "
                f"{self.pools_counted[pool]})"
            )
        self.pools_counted[pool] = line.seq
        try:
            manifest = ElectionManifest.from_definition(definition)
            check_questions(manifest, p["questions"], len(aliases))
        except (ManifestError, PaperCountError) as exc:
            raise _fail(f"{where}: the hand count does not add up: {exc}") from exc
        self.counts.append((len(aliases), paper_option_counts(manifest, p["questions"])))

    def _countable(self, alias: str, where: str) -> None:
        if alias in self.set_aside:
            raise _fail(
                f"{where}: alias {alias}'s envelope was set aside unopened (board entry "
                f"{self.set_aside[alias]}); a set-aside envelope is never counted"
            )
        if alias in self.roll.ballot_of:
            raise _fail(
                f"{where}: alias {alias} is counted online (board entry "
                f"{self.roll.ballot_of[alias]}) and in this paper count; a member's alias "
                "counts once, whatever the channel"
            )
        if alias not in self.roll.paper:
            raise _fail(
                f"{where}: alias {alias} is counted, but no envelope was received for it "
                f"('{Kind.PAPER_RECEIVED}')"
            )
        if alias in self.counted_in:
            raise _fail(
                f"{where}: alias {alias} is already counted in board entry {self.counted_in[alias]}"
            )

    def _pool_map(self, min_size: int | None) -> dict[str, str]:
        """Each received envelope's pool: its unit's, by the rule of 10.5 over the envelopes'
        own units (all received before the close, so fixed by the first count)."""
        if self._pools is None:
            self._pools = envelope_pools(self.unit_of, min_size)
        return self._pools

    def before_tally(self, where: str) -> None:
        """Every envelope received is in a paper count before the tally is taken."""
        missing = sorted((seq, a) for a, seq in self.roll.paper.items() if a not in self.counted_in)
        if missing:
            seq, alias = missing[0]
            raise _fail(
                f"{where}: the envelope of alias {alias} (board entry {seq}) is in no paper "
                "count; every envelope received is counted before the tally is taken"
            )

    def totals(self, manifest: ElectionManifest) -> PaperTotals | None:
        """The paper part of the result: every pool's count added up (None: no paper)."""
        return paper_totals(manifest, self.counts)
