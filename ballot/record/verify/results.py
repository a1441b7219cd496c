"""Each round's result against the rule's, the convenience copies, a voter's tracker.

The result is recomputed by :func:`ballot.election.result.expected_result`, the same
function the service makes it with, in the record's protocol version (a v1 record keeps
its English reasons, a v2 record has codes: PROTOCOL 15.6); a rule that cannot apply
fails the "outcome" step.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ParamSpec, TypeVar

from ballot.crypto.ballots import tracker_display
from ballot.crypto.tally import EncryptedTally, OptionCounts
from ballot.election import result as result_rule
from ballot.election.outcome import RuleError
from ballot.record.election_record import ElectionRecord, RecordFormatError
from ballot.record.kinds import Kind
from ballot.record.verify.ceremony import Context
from ballot.record.verify.report import TrackerFinding, VerificationFailed, failure
from ballot.record.verify.rounds import option_counts
from ballot.record.verify.scan import Lifecycle, Line, Round, payload_keys

P = ParamSpec("P")
R = TypeVar("R")


def _compare_result(expected: Mapping[str, Any], published: object) -> None:
    """Name the first difference between the recomputed and the published result."""
    if not isinstance(published, dict):
        raise VerificationFailed("counts", "the result entry holds no result object")
    questions = expected["questions"]
    pq = published.get("questions")
    if not isinstance(pq, list) or len(pq) != len(questions):
        raise VerificationFailed("counts", "result edited: it has the wrong number of questions")
    for want, got in zip(questions, pq, strict=True):
        if not isinstance(got, dict):
            raise VerificationFailed("counts", "result edited: a question is not an object")
        qid = want["id"]
        for option, count in want["counts"].items():
            said = (
                (got.get("counts") or {}).get(option)
                if isinstance(got.get("counts"), dict)
                else None
            )
            if said != count:
                what = "decrypted count"
                if "paper" in want:
                    online, paper = (
                        want["online"]["counts"][option],
                        want["paper"]["counts"][option],
                    )
                    what = f"sum of the online ({online}) and paper ({paper}) counts"
                raise VerificationFailed(
                    "counts",
                    f"result edited: {what} for {option!r} (question {qid!r}) is "
                    f"{count}, result says {said}",
                )
        for key in want:
            if key not in ("outcome",) and got.get(key) != want[key]:
                raise VerificationFailed(
                    "counts",
                    f"result edited: question {qid!r} {key} is {want[key]!r}, "
                    f"result says {got.get(key)!r}",
                )
    if "units" in expected:
        _compare_units(expected["units"], published.get("units"))
    for key in expected:
        if key in ("questions", "determinative", "units"):
            continue
        if published.get(key) != expected[key]:
            raise VerificationFailed(
                "counts",
                f"result edited: {key} is {expected[key]!r}, result says {published.get(key)!r}",
            )
    for want, got in zip(questions, pq, strict=True):
        if got.get("outcome") != want["outcome"]:
            raise VerificationFailed(
                "outcome",
                f"outcome edited: question {want['id']!r}: "
                f"{_outcome_difference(want['outcome'], got.get('outcome'))}",
            )
    if published.get("determinative") != expected["determinative"]:
        raise VerificationFailed(
            "outcome",
            f"determinative flag wrong: the challenges are "
            f"{'' if expected['determinative'] else 'not '}determinative, result says "
            f"{published.get('determinative')!r}",
        )
    if set(published) != set(expected):
        raise VerificationFailed("counts", "result edited: it has unexpected fields")


def _outcome_difference(want: Mapping[str, Any], got: object) -> str:
    """The first field of a question's outcome that differs, said plainly (PROTOCOL 15.5)."""
    if not isinstance(got, dict):
        return f"the rule gives {want!r}, result says {got!r}"
    for key, value in want.items():
        said = got.get(key)
        if said == value:
            continue
        if key == "reasons" and isinstance(said, list):
            for i, reason in enumerate(value):
                if i >= len(said):
                    return f"the result lacks reason {i + 1}, under the rule {reason!r}"
                if said[i] != reason:
                    return f"reason {i + 1} under the rule is {reason!r}, result says {said[i]!r}"
            return f"the rule gives {len(value)} reasons, the result has {len(said)}"
        return f"the rule gives {key} {value!r}, result says {said!r}"
    return f"result has fields the rule does not give: {sorted(set(got) - set(want))}"


def _compare_units(expected: list[dict[str, Any]], published: object) -> None:
    """Name the first unit whose published subtotal differs from the decrypted one."""
    if not isinstance(published, list) or not all(isinstance(u, dict) for u in published):
        raise VerificationFailed("counts", "result edited: 'units' is not a list of subtotals")
    said = [u.get("unit") for u in published]
    if said != [u["unit"] for u in expected]:
        raise VerificationFailed(
            "counts",
            f"result edited: its unit subtotals are for {said!r}, the pooled tallies give "
            f"{[u['unit'] for u in expected]!r}",
        )
    for want, got in zip(expected, published, strict=True):
        if got == want:
            continue
        name = f"unit {want['unit']!r}" if want["unit"] else "other units"
        for wq, gq in zip(want["questions"], got.get("questions") or [], strict=False):
            if isinstance(gq, dict) and gq.get("counts") != wq["counts"]:
                raise VerificationFailed(
                    "counts",
                    f"{name} subtotal edited: question {wq['id']!r} decrypts to "
                    f"{wq['counts']!r}, result says {gq.get('counts')!r}",
                )
        raise VerificationFailed(
            "counts", f"{name} subtotal edited: the result differs from the decrypted subtotal"
        )


def check_round_result(
    ctx: Context,
    life: Lifecycle,
    count: Round,
    tally: EncryptedTally,
    slots: Mapping[str, int],
    units: Mapping[str, tuple[int, list[OptionCounts | None]]] | None = None,
) -> tuple[dict[str, Any], object]:
    """Recompute one round's result from its decrypted counts and the decisions taken
    before its tally; compare with the published one.  Returns (expected, published)."""
    assert ctx.manifest is not None and ctx.definition is not None
    counts = option_counts(ctx.manifest, tally, slots)
    published = payload_keys(ctx.lines[count.result_seq], {"round", "result"})["result"]
    decided = list(count.decisions.values())
    expected = expected_result(
        ctx.definition,
        ctx.manifest,
        counts,
        version=ctx.record.version,
        eligible=life.eligible,
        cast=sum(1 for b in life.ballots if b.kind == Kind.CAST),
        replaced=len(life.replaced),
        challenged=len(life.challenges),
        sustained=decided.count("sustained"),
        overruled=decided.count("overruled"),
        units=units,
        paper=None if life.paper is None else life.paper.totals(ctx.manifest),
    )
    try:
        _compare_result(expected, published)
    except VerificationFailed as exc:
        if len(life.rounds) == 1:
            raise
        raise VerificationFailed(
            exc.step,
            f"{exc.message} (round {count.number}, board entry {count.result_seq})",
        ) from exc
    if count is life.rounds[-1] and life.certified_seq is not None and expected["determinative"]:
        # A certified result must be final: with determinative challenges still undecided the
        # outcome is not known yet, so certifying it would settle the vote on a guess.
        raise VerificationFailed(
            "outcome",
            f"board entry {life.certified_seq} ({Kind.CERTIFIED}) certifies a result whose "
            "undecided challenged ballots are determinative: the challenges must be decided "
            "and counted in round 2 first",
        )
    return expected, published


def check_copies(
    record: ElectionRecord,
    lines: Sequence[Line],
    life: Lifecycle,
    partials: list[dict[str, Any]],
    result: object,
) -> None:
    """tally.json, partials.json and result.json equal the final round's board entries."""
    fail = failure("convenience copies")
    final = life.final
    tally_payload = lines[final.tally_seq].payload or {}
    try:
        if record.json("tally.json") != tally_payload.get("tally"):
            raise fail(f"tally.json differs from board entry {final.tally_seq} ({Kind.TALLY})")
        if record.json("partials.json") != partials:
            raise fail(
                f"partials.json differs from the board's '{Kind.PARTIAL}' entries of round "
                f"{final.number}"
            )
        if record.json("result.json") != result:
            raise fail(f"result.json differs from board entry {final.result_seq} ({Kind.RESULT})")
    except RecordFormatError as exc:
        raise fail(str(exc)) from exc


def find_tracker(life: Lifecycle, wanted: str) -> TrackerFinding:
    """Where one voter's tracker (full hex or the short form) is on the board, and if it counts."""
    text = wanted.strip()
    short = text.upper()
    for b in life.ballots:
        if b.tracker == text.lower() or tracker_display(b.tracker) == short:
            if life.counted(b):
                how = "cast" if b.kind == Kind.CAST else f"challenged ({b.challenge}), overruled"
                msg = (
                    f"tracker {text} is on the board (entry {b.seq}, {how}) and is included "
                    "in the tally"
                )
                return TrackerFinding(b.tracker, True, b.seq, True, msg)
            if b.seq in life.replaced:
                msg = (
                    f"tracker {text} is on the board (entry {b.seq}) and was replaced by a "
                    f"later ballot of the same member (entry {life.replaced[b.seq]}), which is "
                    "counted instead; it is NOT included in the tally"
                )
                return TrackerFinding(b.tracker, True, b.seq, False, msg, replaced=True)
            state = life.decisions.get(b.challenge or "", "undecided")
            msg = (
                f"tracker {text} is on the board (entry {b.seq}) as challenged ballot "
                f"{b.challenge!r} ({state}); it is NOT included in the tally"
            )
            return TrackerFinding(b.tracker, True, b.seq, False, msg)
    for a in life.audits:
        if a.tracker == text.lower() or tracker_display(a.tracker) == short:
            msg = (
                f"tracker {text} was audited (spoiled) at entry {a.seq}; audited ballots are "
                "never counted"
            )
            return TrackerFinding(a.tracker, True, a.seq, False, msg)
    return TrackerFinding(text, False, None, False, f"tracker {text} is NOT on the board")


def _failing_the_outcome_step(rule: Callable[P, R]) -> Callable[P, R]:
    """``rule`` from :mod:`ballot.election.result`, failing the verifier's "outcome" step
    instead of raising :class:`RuleError` (same arguments, same result)."""

    @functools.wraps(rule)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return rule(*args, **kwargs)
        except RuleError as exc:
            raise VerificationFailed("outcome", str(exc)) from exc

    return checked


outcome_rule = _failing_the_outcome_step(result_rule.outcome_rule)
expected_result = _failing_the_outcome_step(result_rule.expected_result)
