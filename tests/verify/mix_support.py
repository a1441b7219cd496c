"""Records of elections with ranked races, and the verifier run on them.

:func:`mix_check` runs only the steps the mix depends on (definition, key ceremony,
lifecycle) and then the mix, as :func:`verify_record` does: quick enough to run many
times (the fuzz tests); :func:`mix_failure` runs the whole verifier.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ballot.record.election_record import read_record
from ballot.record.synthetic import Challenge, GeneratedRecord, officers_definition
from ballot.record.verify import verify_record
from ballot.record.verify.ceremony import Context, check_ceremony, check_definition
from ballot.record.verify.lifecycle import check_lifecycle
from ballot.record.verify.mix import RaceMix, check_mix
from ballot.record.verify.report import VerificationFailed
from ballot.record.verify.scan import scan_board

from .conftest import Entry, index_of
from .test_lifecycle import resign

#: President (IRV, A-D, 3 ranks), steward (choose), council (STV 2 seats, I-M, 4 ranks).
VOTES = (
    [[[0, 1, 2], [0], [0, 1, 2, 3]]] * 3
    + [[[1, 0], [1], [1, 0]]] * 2
    + [[[2, 1], [0], [0, 2, 3]]] * 2
    + [[[3, 2, 1], [1], [3, 2]]]
    + [[[0], [0], [4]]]
)
#: Counted in the mix only because it was overruled (board order: after the cast ones).
CHALLENGES = [Challenge([[2, 0], [1], [2, 0]], "overruled")]


def officers_3_of_4() -> dict[str, Any]:
    """The officers' definition with a 3-of-4 key: three shuffles make a chain."""
    definition = officers_definition()
    definition["trustees"] = {"n": 4, "k": 3}
    return definition


SHUFFLED, COMPLETED, PARTIAL, RESULT = "mix.shuffled", "mix.completed", "mix.partial", "mix.result"


def pointed(entries: list[Entry], result_hash: str) -> list[Entry]:
    nth(entries, "result.certified")["payload"]["result_hash"] = result_hash
    return entries


def tampered(gen: GeneratedRecord, tmp_path: Path, edit: Callable[[list[Entry]], None]) -> Path:
    """The record with its board edited in place by ``edit``, re-chained and re-signed (times
    kept in order, the certification re-pointed at the re-chained final result)."""

    def apply(entries: list[Entry]) -> list[Entry]:
        entries = copy.deepcopy(entries)
        edit(entries)
        return entries

    return resign(gen, tmp_path / "tampered.zip", apply)


def nth(entries: list[Entry], kind: str, n: int = 0) -> Entry:
    return entries[index_of(entries, kind, n)]


def seq_of(entries: list[Entry], kind: str, n: int = 0) -> int:
    return index_of(entries, kind, n)


def mix_fails(path: Path, *parts: str, step: str = "mix") -> str:
    found_step, message = mix_failure(path)
    assert found_step == step, message
    for part in parts:
        assert part in message, message
    return message


def mix_check(path: Path) -> list[RaceMix]:
    """The steps the mix depends on, then the mix; VerificationFailed at the first failure."""
    record = read_record(path)
    lines = scan_board(record.board_lines())
    ctx = Context(record, lines)
    check_definition(ctx)
    check_ceremony(ctx)
    return check_mix(ctx, check_lifecycle(lines, record.version))


def mix_failure(path: Path) -> tuple[str, str]:
    """The step and message of the whole verifier's first failure; the quick check finds
    the same one."""
    report = verify_record(path, jobs=1)
    assert not report.ok and report.failed_step is not None and report.failure is not None
    with pytest.raises(VerificationFailed) as caught:
        mix_check(path)
    assert (caught.value.step, caught.value.message) == (report.failed_step, report.failure)
    return report.failed_step, report.failure
