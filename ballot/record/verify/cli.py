"""``ballot verify RECORD``: a progress bar, the steps passed, then PASS or FAIL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ballot.election.reason_words import published_english
from ballot.record.verify.ranked_table import print_ranked
from ballot.record.verify.run import verify_record


def main(
    record: Path,
    tracker: str | None,
    jobs: int | None,
    witness: Path | None = None,
    fingerprint: str | None = None,
) -> int:
    """``ballot verify RECORD [--tracker T] [--witness LOG] [--fingerprint HEX] [--jobs N]``:
    progress, PASS or FAIL."""
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(soft_wrap=True)
    with Progress(
        TextColumn("{task.description:<20}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def tick(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total or None)
            bar.update(tasks[step], completed=done, total=total or None)

        report = verify_record(
            Path(record),
            jobs=jobs,
            progress=tick,
            tracker=tracker,
            witness=witness,
            fingerprint=fingerprint,
        )
    for step in report.passed:
        console.print(f"  [green]ok[/green]   {step}")
    for note in report.notes:
        console.print(f"  [yellow]note[/yellow] {escape(note)}", highlight=False)
    if report.ok and report.result is not None:
        r = report.result
        console.print(
            f"  eligible {r['eligible']}, cast {r['cast']}, "
            + (f"replaced {r['replaced']}, " if "replaced" in r else "")
            + f"challenged {r['challenged']} "
            f"({r['undecided']} undecided; determinative: {'yes' if r['determinative'] else 'no'})"
        )
        ch = report.channels
        if ch:
            console.print(
                f"  channels: online {ch['online']} (in person at a polling place included: the "
                f"board does not tell them apart), paper {ch['paper']} ({ch['set_aside']} "
                f"envelope(s) set aside unopened); counted {r['counted']}",
                markup=False,
            )
        labels = report.labels

        def named(key: str) -> str:
            return f"{labels[key]} ({key})" if labels.get(key) else key

        def counted(q: dict[str, Any]) -> str:
            # Ballot order (the definition's), not the record's sorted keys.
            keys = [k for k in labels if k in q["counts"]] + [
                k for k in q["counts"] if k not in labels
            ]
            return ", ".join(f"{named(k)} {q['counts'][k]}" for k in keys)

        for q in r["questions"]:
            # A per-unit race says how many ballots carried it (its unit's).
            own = f" ({q['ballots']} ballots of its unit)" if "ballots" in q else ""
            console.print(
                f"  {named(q['id'])}{own}: {counted(q)}; void {q['blank']} -> "
                f"{q['outcome']['result']}",
                markup=False,
            )
            for channel in ("online", "paper"):
                if channel in q:
                    console.print(f"      {channel}: {counted(q[channel])}", markup=False)
            for line in published_english(q["outcome"]["reasons"], lambda k: labels.get(k) or k):
                console.print(f"      {line}", markup=False)
        for u in r.get("units", []):
            name = u["unit"] or "other units"
            for q in u["questions"]:
                console.print(
                    f"    {name} ({u['ballots']} ballots) {q['id']}: {counted(q)}", markup=False
                )
        print_ranked(console, report.ranked, labels)
    if report.witnessed is not None:  # a witness's name is the committee's text: no markup
        console.print(report.witnessed, style="green", markup=False)
    if report.tracker is not None:
        style = (
            "green" if report.tracker.counted else "yellow" if report.tracker.replaced else "red"
        )
        console.print(f"[{style}]{report.tracker.message}[/{style}]")
    if report.ok:
        console.print(
            f"[bold green]PASS[/bold green] election {report.election_id}: "
            f"{report.ballots} ballots verified in {report.seconds:.1f} s"
        )
        if report.tracker is not None and not (report.tracker.counted or report.tracker.replaced):
            return 1
        return 0
    console.print(f"[bold red]FAIL[/bold red] ({report.failed_step}): {report.failure}")
    return 1
