"""The ranked races on the printed tally sheet: each race's rounds, as on the result page.

The figures come from the same view as the pages (:mod:`ballot.web.observer.ranked_view`):
a table of every candidate's votes at the end of each round, with what the round's
transfers added or took, who was elected or excluded, the ballots with no further
preference and, under STV, the fractions lost to truncation; then each round in
sentences.  A page holds a few rounds side by side, so a long count is printed as several
tables of consecutive rounds, each repeating the candidates' names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fpdf import FPDF

from ballot.web.observer.ranked_view import Cell, RaceView
from ballot.web.pdf_fonts import FAMILY

__all__ = ["ROUNDS_PER_TABLE", "ranked_sections"]

#: Rounds side by side on an A4 page, next to the names.
ROUNDS_PER_TABLE = 5

Line = Callable[..., None]


def _cell_text(cell: Cell, words: dict[str, str]) -> str:
    parts = [cell.votes]
    if cell.change:
        parts.append(f"({cell.change})")
    if cell.state:
        parts.append(words[cell.state])
    return "\n".join(parts)


def _rounds_table(
    pdf: FPDF,
    race: RaceView,
    columns: Sequence[int],
    width: float,
    _: Callable[[str], str],
) -> None:
    """One table: the candidates, then the rounds at ``columns`` (0-based)."""
    words = {"elected": _("Elected"), "excluded": _("Excluded")}
    body: list[tuple[str, list[Cell]]] = [*race.rows]
    body.append((_("No further preference (exhausted)"), race.exhausted))
    if race.loss is not None:
        body.append((_("Lost to rounding"), race.loss))
    pdf.set_font(FAMILY, "", 8.5)
    with pdf.table(
        width=width,
        col_widths=(34, *([22] * len(columns))),
        line_height=4.5,
        text_align=("LEFT", *(["RIGHT"] * len(columns))),
        repeat_headings=1,
    ) as table:
        head = table.row()
        head.cell(_("Candidate"))
        for i in columns:
            column = race.rounds[i]
            label = _("Round %(n)s") % {"n": column.number} + "\n" + column.action
            head.cell(label + (f"\n{column.tie}" if column.tie else ""))
        for name, cells in body:
            row = table.row()
            row.cell(name)
            for i in columns:
                row.cell(_cell_text(cells[i], words))
    pdf.ln(1)


def ranked_sections(
    pdf: FPDF,
    races: Sequence[RaceView],
    mix: Any,
    line: Line,
    _: Callable[[str], str],
) -> None:
    """One section per ranked race, in definition order."""
    width = pdf.epw
    if mix is not None and races:  # the mix-net's progress, once, before the races
        pdf.ln(3)
        line(mix.text, 10, "B")
    for race in races:
        pdf.ln(3)
        line(race.text, 12, "B", 6.5)
        if race.unit:
            line(_("Only members of the unit %(unit)s vote in this race.") % {"unit": race.unit})
        line(race.method, 10)
        if race.problem:
            line(race.problem, 10, "B")
            continue
        if not race.rounds and not race.head:
            line(_("This race is counted once its ballots are mixed and decrypted."), 10)
            continue
        for sentence in race.head:
            line(sentence, 9)
        for start in range(0, len(race.rounds), ROUNDS_PER_TABLE):
            columns = range(start, min(start + ROUNDS_PER_TABLE, len(race.rounds)))
            _rounds_table(pdf, race, columns, width, _)
        line(race.elected, 11, "B", 6)
        for column in race.rounds:
            head = _("Round %(n)s") % {"n": column.number} + f": {column.action}. "
            line(head + " ".join(column.events), 9)
