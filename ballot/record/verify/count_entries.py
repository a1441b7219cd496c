"""The lifecycle rules of the count's entries (PROTOCOL 11.2): challenge decisions, partial
decryptions, results and the certification, one method per kind (named after it).

A part of the board's lifecycle state machine (:mod:`.lifecycle`), kept apart so that
each module stays readable; the state it reads is the machine's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from ballot.record.verify.report import VerificationFailed, failure
from ballot.record.verify.scan import Line, Round, payload_keys, with_units

DECISIONS: Final = ("sustained", "overruled")


class CountEntries:
    """Handlers of ``challenge.decided``, ``tally.partial``, ``tally.result`` and
    ``result.certified`` for the lifecycle state machine."""

    challenges: dict[str, int]
    decisions: dict[str, str]
    decided_at: dict[str, int]
    rounds: list[Round]
    final_result: int | None
    min_size: int | None
    #: The mix-net's rule for the certification (:class:`.mix_entries.MixEntries`).
    mix_before_certified: Callable[[str], None]

    def _challenge_decided(self, line: Line, where: str) -> None:
        fail = failure("board lifecycle")
        p = payload_keys(line, {"challenge", "decision", "reason"})
        cid = p["challenge"]
        if not isinstance(cid, str) or cid not in self.challenges:
            raise fail(f"{where}: decides challenge {cid!r}, which is not on the board")
        if cid in self.decisions:
            raise fail(f"{where}: challenge {cid!r} is decided twice")
        if p["decision"] not in DECISIONS or not isinstance(p["reason"], str):
            raise fail(f"{where}: decision must be 'sustained' or 'overruled', with a reason")
        self.decisions[cid] = p["decision"]
        self.decided_at[cid] = line.seq

    def _tally_partial(self, line: Line, where: str) -> None:
        fail = failure("board lifecycle")
        p = payload_keys(line, with_units({"round", "trustee", "partials"}, self.min_size))
        current = self.rounds[-1]
        if current.result_seq >= 0:
            raise fail(f"{where}: a partial decryption after the result")
        if p["round"] != current.number:
            raise fail(
                f"{where}: a partial decryption for round {p['round']!r}, but the tally "
                f"awaiting decryption is round {current.number} (board entry {current.tally_seq})"
            )
        current.partial_seqs.append(line.seq)

    def _tally_result(self, line: Line, where: str) -> None:
        fail = failure("board lifecycle")
        p = payload_keys(line, {"round", "result"})
        current = self.rounds[-1]
        if current.result_seq >= 0:
            raise fail(
                f"{where}: a second result for round {current.number} (the first is "
                f"{current.result_seq})"
            )
        if p["round"] != current.number:
            raise fail(
                f"{where}: says round {p['round']!r}, but the tally it decrypts is round "
                f"{current.number} (board entry {current.tally_seq})"
            )
        current.result_seq = line.seq
        result = p["result"]
        determinative = isinstance(result, dict) and result.get("determinative") is True
        if current.number == 2 or not determinative:
            self.final_result = line.seq

    def _result_certified(self, line: Line, where: str) -> None:
        p = payload_keys(line, {"round", "result_hash", "reason"})
        if not isinstance(p["reason"], str):
            raise VerificationFailed("board lifecycle", f"{where}: the reason must be text")
        self.mix_before_certified(where)
