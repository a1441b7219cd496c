"""The lifecycle rules of the mix-net's entries (PROTOCOL 18, 18.x): when a shuffle, the
completion of the chain, a partial decryption of the mixed ballots and their result may
come, one method per kind (named after it).

A part of the board's lifecycle state machine (:mod:`.lifecycle`), kept apart like
:mod:`.count_entries`; so ``ballot observe`` applies these rules as entries arrive.  What
the entries hold (the shuffles, the proofs, the decrypted ballots, the counts) is checked
by the step ``mix`` (:mod:`.mix`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ballot.crypto.manifest import ElectionManifest, ManifestError
from ballot.record.kinds import Kind
from ballot.record.verify.report import VerificationFailed, failure
from ballot.record.verify.scan import Line, payload_keys


class _Lines(Protocol):
    def __getitem__(self, seq: int, /) -> Line: ...


@dataclass
class MixLedger:
    """The mix-net's entries of a board whose definition has a ranked race, by role."""

    k: int  # the threshold: shuffles in a complete chain, partials needed to decrypt
    shuffled: list[tuple[int, int]] = field(default_factory=list)  # (seq, trustee), in order
    completed: int | None = None  # seq of mix.completed
    partials: list[tuple[int, int]] = field(default_factory=list)  # (seq, trustee)
    result: int | None = None  # seq of mix.result

    @property
    def shufflers(self) -> list[int]:
        """The trustees who shuffled, in position order."""
        return [t for _, t in self.shuffled]


def _trustee(line: Line, where: str) -> int:
    value = (line.payload or {}).get("trustee")
    if type(value) is not int or value < 1:
        raise VerificationFailed(
            "board lifecycle", f"{where}: 'trustee' must be a trustee's number (1, 2, ...)"
        )
    return value


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


class MixEntries:
    """Handlers of ``mix.shuffled``, ``mix.completed``, ``mix.partial`` and ``mix.result``,
    and the rule the certification obeys in an election with ranked races."""

    lines: _Lines
    live: int | None
    defined: list[int]
    ceremony_for: dict[int, int]
    final_result: int | None
    _mix_read: bool = False
    _mix: MixLedger | None = None  # None: the definition in force has no ranked race

    def mix_ledger(self) -> MixLedger | None:
        """The ledger of the definition in force (None: it has no ranked race); read once,
        after the election's first result, so the definition cannot change since."""
        if self._mix_read:
            return self._mix
        fail = failure("board lifecycle")
        definition: Any = (self.lines[self.defined[-1]].payload or {}).get("definition")
        try:
            ranked = ElectionManifest.from_definition(definition).has_ranked
        except ManifestError as exc:
            raise fail(f"the definition in force cannot be read: {exc}") from exc
        if not ranked:
            self._mix_read = True
            return None
        ceremony = self.lines[self.ceremony_for[self.defined[-1]]].payload or {}
        transcript = ceremony.get("transcript")
        k = transcript.get("k") if isinstance(transcript, Mapping) else None
        if type(k) is not int or k < 1:
            raise fail("the key ceremony in force states no threshold k")
        self._mix, self._mix_read = MixLedger(k), True
        return self._mix

    def _mix_entry(self, line: Line, where: str) -> MixLedger:
        """What every mix entry needs: a ranked race, and the final result before it."""
        fail = failure("board lifecycle")
        ledger = self.mix_ledger()
        if ledger is None:
            raise fail(
                f"{where}: the election has no ranked race, so its board has no mix-net "
                "(PROTOCOL 18)"
            )
        if self.final_result is None:
            raise fail(
                f"{where}: the mix-net starts only after the final result, and the board has "
                "none yet (a round-1 result that says the challenges are determinative is "
                "not final)"
            )
        if ledger.result is not None:
            raise fail(
                f"{where}: comes after the mix's result (board entry {ledger.result}); only "
                f"'{Kind.CERTIFIED}' and notes may follow it"
            )
        return ledger

    def _mix_shuffled(self, line: Line, where: str) -> None:
        fail = failure("board lifecycle")
        ledger = self._mix_entry(line, where)
        payload_keys(line, {"trustee", "races"})
        trustee = _trustee(line, where)
        if ledger.completed is not None:
            raise fail(
                f"{where}: a shuffle after the chain was completed ('{Kind.MIX_COMPLETED}', "
                f"board entry {ledger.completed})"
            )
        for seq, earlier in ledger.shuffled:
            if earlier == trustee:
                raise fail(
                    f"{where}: a second shuffle by trustee {trustee} (the first is board entry "
                    f"{seq}); each trustee shuffles at most once"
                )
        if len(ledger.shuffled) == ledger.k:
            raise fail(
                f"{where}: a shuffle beyond the k = {ledger.k} a chain has: "
                f"'{Kind.MIX_COMPLETED}' must follow the {_ordinal(ledger.k)} shuffle (board "
                f"entry {ledger.shuffled[-1][0]})"
            )
        ledger.shuffled.append((line.seq, trustee))

    def _mix_completed(self, line: Line, where: str) -> None:
        fail = failure("board lifecycle")
        ledger = self._mix_entry(line, where)
        p = payload_keys(line, {"shufflers"})
        done = len(ledger.shuffled)
        if done < ledger.k:
            raise fail(
                f"{where}: the chain is completed after {done} shuffle(s), but it needs "
                f"k = {ledger.k} (the threshold), each by another trustee"
            )
        if p["shufflers"] != ledger.shufflers:
            entries = ", ".join(str(seq) for seq, _ in ledger.shuffled)
            raise fail(
                f"{where}: names the shufflers {p['shufflers']!r}, but the shuffles on the "
                f"board (entries {entries}) are by trustees {ledger.shufflers}, in that order"
            )
        ledger.completed = line.seq

    def _mix_partial(self, line: Line, where: str) -> None:
        fail = failure("board lifecycle")
        ledger = self._mix_entry(line, where)
        payload_keys(line, {"trustee", "races"})
        trustee = _trustee(line, where)
        for seq, earlier in ledger.partials:
            if earlier == trustee:
                raise fail(
                    f"{where}: a second partial decryption of the mixed ballots by trustee "
                    f"{trustee} (the first is board entry {seq})"
                )
        ledger.partials.append((line.seq, trustee))

    def _mix_result(self, line: Line, where: str) -> None:
        fail = failure("board lifecycle")
        ledger = self._mix_entry(line, where)
        payload_keys(line, {"races"})
        if len(ledger.partials) < ledger.k:
            raise fail(
                f"{where}: the mixed ballots are decrypted by {len(ledger.partials)} "
                f"trustee(s), but at least k = {ledger.k} are needed"
            )
        ledger.result = line.seq

    def mix_before_certified(self, where: str) -> None:
        """In an election with ranked races, the result is certified only after the mix's."""
        ledger = self.mix_ledger()
        if ledger is not None and ledger.result is None:
            raise VerificationFailed(
                "board lifecycle",
                f"{where}: the election has ranked races, and their result "
                f"('{Kind.MIX_RESULT}') is not on the board yet; the result is certified only "
                "after it (PROTOCOL 18)",
            )
