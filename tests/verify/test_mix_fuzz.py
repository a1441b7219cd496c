"""Any value anywhere in a mix entry: a clear failure of the verifier, never a crash.

The board is edited in memory (the chain and the signatures, checked before, are not
what is tested): each example replaces one value, or removes one key or element, at a
drawn place in one ``mix.*`` entry, then runs the lifecycle and the step ``mix``.  The
only exception allowed out is the verifier's own :class:`VerificationFailed`.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ballot.record.election_record import read_record
from ballot.record.kinds import MIX_KINDS
from ballot.record.synthetic import GeneratedRecord, generate_record, officers_definition
from ballot.record.verify.ceremony import Context, check_ceremony, check_definition
from ballot.record.verify.lifecycle import check_lifecycle
from ballot.record.verify.mix import check_mix
from ballot.record.verify.report import VerificationFailed
from ballot.record.verify.scan import Line, scan_board

from .test_hostile_records import run_verify

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=70),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
#: A few values the checks could mistake for good ones.
TRICKY: st.SearchStrategy[object] = st.sampled_from(
    [
        0,
        -1,
        1,
        2,
        4,
        True,
        1.5,
        "",
        "0" * 64,
        "f" * 64,
        "01" + "0" * 62,
        [],
        {},
        [[]],
        None,
        "mix:president/b0/r0",
        "alvarez",
    ]
)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> GeneratedRecord:
    """Four ballots, a 2-of-3 key: a mix that verifies in a fraction of a second."""
    votes = [
        [[0, 1], [0], [0, 1, 2]],
        [[1], [1], [1, 0]],
        [[2, 0, 1], [0], [2]],
        [[0], [1], [3, 4]],
    ]
    path = tmp_path_factory.mktemp("fuzz") / "small.zip"
    return generate_record(path, officers_definition(), votes, certify="fine")


@pytest.fixture(scope="module")
def parsed(small: GeneratedRecord) -> tuple[Context, list[Line]]:
    record = read_record(small.path)
    lines = scan_board(record.board_lines())
    ctx = Context(record, lines)
    check_definition(ctx)
    check_ceremony(ctx)
    check_mix(ctx, check_lifecycle(lines, record.version))  # the unedited board passes
    return ctx, lines


def _place(payload: Any, path: list[int]) -> tuple[Any, Any] | None:
    """The container and key a path of draws leads to inside ``payload`` (None: nowhere)."""
    target = payload
    for step in path[:-1]:
        keys = sorted(target) if isinstance(target, dict) else list(range(len(target)))
        if not keys:
            break
        nxt = target[keys[step % len(keys)]]
        if not isinstance(nxt, dict | list):
            break
        target = nxt
    keys = sorted(target) if isinstance(target, dict) else list(range(len(target)))
    if not keys:
        return None
    return target, keys[path[-1] % len(keys)]


def _run(parsed: tuple[Context, list[Line]], which: int, edit: Any) -> None:
    ctx, lines = parsed
    mix = [line for line in lines if line.kind in MIX_KINDS]
    line = mix[which % len(mix)]
    payload = copy.deepcopy(line.payload)
    edit(payload)
    edited = list(lines)
    edited[line.seq] = dataclasses.replace(line, payload=payload)
    mine = dataclasses.replace(ctx, lines=edited)
    try:
        check_mix(mine, check_lifecycle(edited, ctx.record.version))
    except VerificationFailed as exc:
        assert exc.step in ("board lifecycle", "mix") and exc.message


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.integers(0, 20),
    path=st.lists(st.integers(0, 12), min_size=1, max_size=6),
    value=JSONISH | TRICKY,
)
def test_any_value_anywhere_in_a_mix_entry(
    parsed: tuple[Context, list[Line]], which: int, path: list[int], value: object
) -> None:
    def edit(payload: Any) -> None:
        place = _place(payload, path)
        if place is not None:
            place[0][place[1]] = value

    _run(parsed, which, edit)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.integers(0, 20), path=st.lists(st.integers(0, 12), min_size=1, max_size=6))
def test_anything_removed_from_a_mix_entry(
    parsed: tuple[Context, list[Line]], which: int, path: list[int]
) -> None:
    def edit(payload: Any) -> None:
        place = _place(payload, path)
        if place is not None:
            del place[0][place[1]]

    _run(parsed, which, edit)


@pytest.mark.parametrize("kind", sorted(MIX_KINDS))
def test_ballot_verify_fails_without_a_traceback(
    small: GeneratedRecord, tmp_path: Path, kind: str
) -> None:
    """The command itself, in its own process, on a board whose mix entry of ``kind`` was
    emptied by a dishonest server."""
    from .conftest import board, resign

    def edit(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for e in entries:
            if e["kind"] == kind:
                e["payload"] = {"races": None}
                break
        return entries

    assert board(small.path)
    path = resign(small, tmp_path / "hostile.zip", edit)
    code, output, _ = run_verify(path)
    assert code == 1 and "Traceback" not in output, output
    assert any(line.startswith("FAIL") for line in output.splitlines()), output
