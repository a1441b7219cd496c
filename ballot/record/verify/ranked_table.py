"""``ballot verify``'s account of the ranked races: the verified shuffles, then each race's
rounds as a table (round, action, from, counts, transfers, exhausted, elected).

Every name in a cell is the committee's text, so cells are :class:`rich.text.Text` (no
markup is read from them).  The values are the published count's (PROTOCOL 17.5): whole
ballots under instant runoff, fixed decimals with five places under Scottish STV.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from ballot.record.verify.mix import RaceMix

METHODS = {"instant_runoff": "instant runoff", "scottish_stv": "Scottish STV"}
ACTIONS = {"first_preferences": "first preferences", "surplus": "surplus", "exclusion": "exclusion"}


def _trustees(numbers: Sequence[int]) -> str:
    return ", ".join(str(n) for n in numbers)


def shuffles_line(mix: RaceMix) -> str:
    """``3 shuffles by trustees 2, 1, 3 verified; decrypted by trustees 1, 2``."""
    if not mix.ballots:
        return "no ballots carry this race, so there is nothing to shuffle"
    n = len(mix.shufflers)
    line = (
        f"{mix.ballots} ballot{'s' if mix.ballots != 1 else ''}; "
        f"{n} shuffle{'s' if n != 1 else ''} by trustee{'s' if n != 1 else ''} "
        f"{_trustees(mix.shufflers)} verified"
    )
    if mix.decryptors:
        line += f"; decrypted by trustees {_trustees(mix.decryptors)}"
    return line


def _tie(tie: Any, name: Callable[[str], str]) -> str:
    if not isinstance(tie, Mapping):
        return ""
    tied = ", ".join(name(c) for c in tie.get("tied", []))
    how = "by lot" if tie.get("by") == "lot" else f"by round {tie.get('round')}"
    return f"\n(tie of {tied}, broken {how})"


def _transfers(transfers: Sequence[Any], name: Callable[[str], str], stv: bool) -> str:
    lines = []
    for t in transfers:
        to = "exhausted" if t.get("to") is None else name(t["to"])
        if stv:
            lines.append(f"→ {to} {t.get('ballots')} × {t.get('value')} = {t.get('votes')}")
        else:
            lines.append(f"→ {to} {t.get('votes')}")
    return "\n".join(lines)


def rounds_table(count: Mapping[str, Any], name: Callable[[str], str]) -> Any:
    """The count's rounds as a rich Table (STV adds the loss to truncation)."""
    from rich.table import Table
    from rich.text import Text

    stv = count.get("method") == "scottish_stv"
    headers = ["round", "action", "from", "counts", "transfers", "exhausted"]
    table = Table(*headers, *(["loss"] if stv else []), "elected", show_lines=True)
    candidates = count.get("candidates", [])
    for r in count.get("rounds", []):
        counts = r.get("counts", {})
        row = [
            str(r.get("round")),
            ACTIONS.get(r.get("action"), str(r.get("action"))) + _tie(r.get("tie"), name),
            "" if r.get("from") is None else name(r["from"]),
            "\n".join(f"{name(c)} {counts.get(c)}" for c in candidates),
            _transfers(r.get("transfers", []), name, stv),
            str(r.get("exhausted")),
            *([str(r.get("loss"))] if stv else []),
            ", ".join(name(c) for c in r.get("elected", [])),
        ]
        table.add_row(*(Text(cell) for cell in row))
    return table


def print_ranked(console: Console, ranked: Sequence[RaceMix], labels: Mapping[str, str]) -> None:
    """Each ranked race: its verified mix, what the count read, its rounds, who is elected."""

    def name(key: str) -> str:
        return labels.get(key) or key

    def named(key: str) -> str:
        return f"{labels[key]} ({key})" if labels.get(key) else key

    for mix in ranked:
        console.print(f"  {named(mix.race)}: {shuffles_line(mix)}", markup=False)
        count = mix.count
        if count is None:
            continue
        # A verified count (PROTOCOL 17.5): every key is there, of its type.
        seats, method = count["seats"], str(count["method"])
        quota = f", quota {count['quota']}" if count["quota"] is not None else ""
        console.print(
            f"      {METHODS.get(method, method)}, {seats} seat{'s' if seats != 1 else ''}: "
            f"{count['ballots']} ballots, {count['valid']} valid, {count['blank']} blank, "
            f"{count['irregular']} irregular{quota}",
            markup=False,
        )
        if count["rounds"]:
            console.print(rounds_table(count, name))
        elected = ", ".join(named(c) for c in count["elected"]) or "nobody"
        console.print(f"      elected: {elected}", markup=False)
