"""The result object recomputes from PROTOCOL section 15 alone.

``spec_result`` below is a second implementation written from the text of sections 11.3
and 15 (integers only, no import from the rule modules).  Hypothesis draws elections of
every rule kind, quorum, tie and challenge count, in both protocol versions, and the
service's ``expected_result`` must give exactly the same object, reasons included.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ballot.crypto.manifest import ElectionManifest
from ballot.crypto.tally import OptionCounts
from ballot.election.result import expected_result

# -- section 15, as written ---------------------------------------------------------------


def frac(text: str) -> tuple[int, int]:
    p, _, q = text.partition("/")
    return int(p), int(q or 1)


def lowest(p: int, q: int) -> str:
    a, b = p, q
    while b:
        a, b = b, a % b
    return f"{p // a}" if q // a == 1 else f"{p // a}/{q // a}"


def ceil_div(x: int, y: int) -> int:
    return -(-x // y)


def ranking(ids: list[str], c: dict[str, int]) -> list[str]:
    return sorted(ids, key=lambda i: (-c[i], ids.index(i)))


def decide(
    rule: dict[str, Any], ids: list[str], c: dict[str, int], b: int, E: int, N: int, k: int, v: int
) -> tuple[dict[str, Any], list[Any], list[str]]:
    """15.3-15.6: the outcome without its challenge reason, and the v1 sentences."""
    kind = rule["kind"]
    p, q = frac(rule.get("threshold", "1/2"))
    t = lowest(p, q)
    V = sum(c.values())
    T = N if v == 2 else V + b
    reasons: list[Any] = []
    parts: list[str] = []
    met = True
    if rule.get("quorum_fraction") is not None:
        fp, fq = frac(rule["quorum_fraction"])
        ok = T * fq >= fp * E
        met = met and ok
        code = "quorum_fraction_met" if ok else "quorum_fraction_missed"
        reasons.append(
            {"code": code, "turnout": T, "eligible": E, "fraction": lowest(fp, fq),
             "needed": ceil_div(fp * E, fq)}
        )  # fmt: skip
        parts.append(f"{lowest(fp, fq)} of {E} eligible")
    if rule.get("quorum_count") is not None:
        ok = rule["quorum_count"] <= T
        met = met and ok
        code = "quorum_count_met" if ok else "quorum_count_missed"
        reasons.append({"code": code, "turnout": T, "needed": rule["quorum_count"]})
        parts.append(f"{rule['quorum_count']} ballots")

    def out(
        result: str, decided: bool, runoff: tuple[str, ...] = (), tied: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        return {"result": result, "decided": decided, "quorum_met": met, "runoff": list(runoff),
                "tied": list(tied)}  # fmt: skip

    if not met:
        return (
            out("no_quorum", False),
            reasons,
            [f"turnout {T} is below the quorum ({' and '.join(parts)})"],
        )
    if kind in ("majority", "supermajority"):
        o = rule.get("approve_option", "yes")
        a = c[o]
        share = {"option": o, "votes": a, "valid": V, "threshold": t}
        word = "more than" if kind == "majority" else "at least"
        if kind == "majority":
            approved, needed = a * q > p * V, p * V // q + 1
        else:
            approved, needed = a > 0 and a * q >= p * V, ceil_div(p * V, q)
        if approved:
            reasons.append({"code": f"{kind}_reached", **share, "needed": needed})
            return (
                out("approved", True),
                reasons,
                [f"{a} in favour is {word} {t} of {V} valid votes"],
            )
        if V == 0:
            reasons.append({"code": "no_valid_votes"})
            return out("rejected", True), reasons, ["there are no valid votes"]
        if kind == "majority" and a * q == p * V:
            reasons.append({"code": "tie_at_threshold", "option": o, "votes": a, "against": V - a,
                            "valid": V, "threshold": t})  # fmt: skip
            return (
                out("tie_fails", True),
                reasons,
                [f"{a} in favour and {V - a} against is a tie at the threshold; a tie fails"],
            )
        reasons.append({"code": f"{kind}_missed", **share, "needed": needed})
        return (
            out("rejected", True),
            reasons,
            [f"{a} in favour is not {word} {t} of {V} valid votes"],
        )
    if V == 0:
        reasons.append({"code": "no_valid_votes"})
        return out("no_valid_votes", False), reasons, ["there are no valid votes"]
    if kind == "plurality_with_runoff":
        r = ranking(ids, c)
        L, needed = r[0], p * V // q + 1
        if c[L] >= needed:
            reasons.append({"code": "majority_reached", "option": L, "votes": c[L], "valid": V,
                            "threshold": t, "needed": needed})  # fmt: skip
            return (
                out(f"elected:{L}", True),
                reasons,
                [f"{L} has {c[L]} of {V} valid votes, more than {t}"],
            )
        s = c[r[1]]
        sure = [i for i in ids if c[i] > s]
        level = [i for i in ids if c[i] == s]
        places = 2 - len(sure)
        reasons.append({"code": "no_majority", "valid": V, "threshold": t, "needed": needed})
        first = f"no option has more than {t} of {V} valid votes"
        if len(level) <= places:
            ab = [i for i in ids if i in sure or i in level]
            reasons.append({"code": "runoff", "options": ab})
            return (
                out("runoff:" + ",".join(ab), False, ab),
                reasons,
                [first, f"runoff between {' and '.join(ab)}"],
            )
        reasons.append(
            {"code": "runoff_tie", "sure": sure, "tied": level, "votes": s, "places": places}
        )
        result = "runoff_tie:" + ",".join(sure) + ";" + ",".join(level)
        second = (f"{', '.join(level)} are tied with {s} votes for {places} runoff place(s); "
                  "the committee must break the tie by its rules")  # fmt: skip
        return out(result, False, sure, level), reasons, [first, second]
    voted = [i for i in ids if c[i] > 0]
    if len(voted) <= k:
        reasons.append({"code": "plurality_elected", "options": voted, "seats": k})
        if len(voted) < k:
            reasons.append({"code": "seats_unfilled", "seats": k, "filled": len(voted)})
        return out("elected:" + ",".join(voted), True), reasons, []
    x = sorted((c[i] for i in voted), reverse=True)[k - 1]
    sure = [i for i in ids if c[i] > x]
    level = [i for i in ids if c[i] == x]
    places = k - len(sure)
    if len(level) == places:
        elected = [i for i in ids if c[i] >= x]
        reasons.append({"code": "plurality_elected", "options": elected, "seats": k})
        return out("elected:" + ",".join(elected), True), reasons, []
    reasons.append({"code": "plurality_tie", "elected": sure, "tied": level, "votes": x,
                    "places": places, "seats": k})  # fmt: skip
    return (
        out("elected_tie:" + ",".join(sure) + ";" + ",".join(level), False, [], level),
        reasons,
        [],
    )


def verdict(outcome: dict[str, Any]) -> str:
    return "rejected" if outcome["result"] == "tie_fails" else outcome["result"]


def challenge(
    rule: dict[str, Any], ids: list[str], c: dict[str, int], b: int, E: int, N: int,
    lo: int, hi: int, U: int, v: int, now: dict[str, Any], reasons: list[Any],
) -> tuple[bool, dict[str, Any]]:  # fmt: skip
    """15.7, step by step."""
    kind = rule["kind"]
    p, q = frac(rule.get("threshold", "1/2"))
    V = sum(c.values())

    def say(code: str, yes: bool, **params: Any) -> tuple[bool, dict[str, Any]]:
        return yes, {"code": code, "undecided": U, **params}

    def again(extra: str | None) -> dict[str, Any]:
        more = dict(c)
        if extra is not None:
            more[extra] += U
        return decide(rule, ids, more, b + (U if extra is None else 0), E, N + U, hi, v)[0]

    if now["result"] == "no_quorum":
        raised = again(ids[0])  # any marks: only the turnout matters here
        if raised["quorum_met"]:
            return say("challenges_could_meet_quorum", True)
        return say("challenges_cannot_change", False)
    if kind in ("majority", "supermajority"):
        o = rule.get("approve_option", "yes")
        if verdict(again(o)) != verdict(now):
            return say("challenges_could_approve", True, option=o)
        other = next((i for i in ids if i != o), None)
        if verdict(again(other)) != verdict(now):
            return say("challenges_could_reject", True, option=o)
        return say("challenges_cannot_change", False)
    if now["result"] == "no_valid_votes":
        return say("challenges_could_decide", True)
    if kind == "plurality_with_runoff":
        r = ranking(ids, c)
        L = r[0]
        if now["result"].startswith("elected:"):
            if len(ids) == 1 or c[L] * q > p * (V + U):
                return say("challenges_cannot_change", False)
            return say("challenges_could_undo_majority", True, option=L)
        if (c[L] + U) * q > p * (V + U):
            return say("challenges_could_give_majority", True, option=L)
        if len(ids) >= 3 and c[r[1]] - c[r[2]] <= U:
            return say("challenges_could_level", True, option=r[2], rival=r[1])
        return say("challenges_cannot_change", False)
    if now["result"].startswith("elected_tie:"):
        return say("challenges_could_break_tie", True)
    elected = next(r["options"] for r in reasons if r["code"] == "plurality_elected")
    out = [i for i in ids if i not in elected]
    if not out:
        return say("challenges_cannot_change", False)
    if len(elected) < hi:
        return say("challenges_could_fill_seat", True, seats=hi)
    W = min(reversed(elected), key=lambda i: c[i])
    B = max(out, key=lambda i: (c[i], -ids.index(i)))
    if c[B] + U >= c[W]:
        return say("challenges_could_level", True, option=B, rival=W)
    return say("challenges_cannot_change", False)


# -- random elections ---------------------------------------------------------------------


@st.composite
def elections(draw: st.DrawFn) -> dict[str, Any]:
    v = draw(st.sampled_from([1, 2]))
    kinds = ["majority", "supermajority", "plurality_with_runoff"] + (
        ["plurality"] if v == 2 else []
    )
    kind = draw(st.sampled_from(kinds))
    rule: dict[str, Any] = {"kind": kind}
    if kind == "supermajority":
        rule["threshold"] = draw(st.sampled_from(["2/3", "3/4", "3/5", "1", "4/6"]))
    elif kind != "plurality" and draw(st.booleans()):
        rule["threshold"] = draw(st.sampled_from(["1/2", "3/5", "2/3", "2/4"]))
    if draw(st.booleans()):
        rule["quorum_fraction"] = draw(st.sampled_from(["1/2", "1/3", "2/3", "1"]))
    if draw(st.booleans()):
        rule["quorum_count"] = draw(st.integers(1, 20))
    if kind in ("majority", "supermajority"):
        ids = ["yes", "no", "abstain"][: draw(st.integers(1, 3))]
    else:
        ids = ["ana", "ben", "chen", "dana"][: draw(st.integers(1, 4))]
    n = len(ids)
    hi = draw(st.integers(1, n)) if kind == "plurality" else 1
    lo = draw(st.integers(0, hi))
    if lo == hi == 1 and n == 1:
        lo = 0
    counts = [draw(st.integers(0, 9)) for _ in ids]
    blank = draw(st.integers(0, 3)) if lo == 0 else 0
    N = max([*counts, -(-sum(counts) // hi)]) + blank if hi > 1 else sum(counts) + blank
    U = draw(st.integers(0, 4))
    sustained = draw(st.integers(0, 2))
    overruled = draw(st.integers(0, 2))
    return {
        "v": v, "rule": rule, "ids": ids, "lo": lo, "hi": hi, "counts": counts, "blank": blank,
        "N": N, "U": U, "sustained": sustained, "overruled": overruled,
        "E": N + draw(st.integers(0, 25)),
    }  # fmt: skip


def spec_result(e: dict[str, Any]) -> dict[str, Any]:
    """11.3 and section 15, from the drawn election."""
    ids, v = e["ids"], e["v"]
    c = dict(zip(ids, e["counts"], strict=True))
    outcome, reasons, sentences = decide(e["rule"], ids, c, e["blank"], e["E"], e["N"], e["hi"], v)
    determinative, why = (False, None)
    if e["U"]:
        determinative, why = challenge(
            e["rule"], ids, c, e["blank"], e["E"], e["N"], e["lo"], e["hi"], e["U"], v,
            outcome, reasons,
        )  # fmt: skip
    outcome["reasons"] = sentences if v == 1 else reasons + ([why] if why else [])
    return {
        "format": f"ballot/election-result/v{v}",
        "election_id": "spec",
        "eligible": e["E"],
        "cast": e["N"] - e["overruled"],
        "challenged": e["U"] + e["sustained"] + e["overruled"],
        "sustained": e["sustained"],
        "overruled": e["overruled"],
        "undecided": e["U"],
        "counted": e["N"],
        "determinative": determinative,
        "questions": [
            {"id": "q", "counts": c, "blank": e["blank"], "valid": sum(c.values()),
             "outcome": outcome}
        ],
    }  # fmt: skip


def code_result(e: dict[str, Any]) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "election_id": "spec",
        "rule": e["rule"],
        "questions": [
            {"id": "q", "min": e["lo"], "max": e["hi"], "options": [{"id": i} for i in e["ids"]]}
        ],
    }
    if e["v"] == 2:
        definition["board_key"] = {"algorithm": "ed25519", "public_key": "11" * 32}
    return expected_result(
        definition,
        ElectionManifest.from_definition(definition),
        [OptionCounts(tuple(e["counts"]), e["blank"])],
        eligible=e["E"],
        cast=e["N"] - e["overruled"],
        challenged=e["U"] + e["sustained"] + e["overruled"],
        sustained=e["sustained"],
        overruled=e["overruled"],
    )


@given(elections())
@settings(max_examples=1500, deadline=None)
def test_the_result_object_recomputes_from_the_specification(e: dict[str, Any]) -> None:
    assert code_result(e) == spec_result(e)


def test_the_drawn_elections_reach_every_reason() -> None:
    """The strategy is broad enough: across many draws every v2 code appears."""
    from hypothesis import find

    from ballot.election.reasons import CODES

    seen: set[str] = set()

    def note(e: dict[str, Any]) -> bool:
        if e["v"] == 2:
            result = spec_result(e)
            seen.update(r["code"] for r in result["questions"][0]["outcome"]["reasons"])
        return seen >= set(CODES)

    find(elections(), note, settings=settings(max_examples=20_000, database=None))
