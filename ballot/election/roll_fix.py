"""Correcting the bad rows of a roll file in the browser, without uploading it again.

A roll file with problems is never half-imported (:mod:`ballot.election.roll`); the
committee sees each bad row as a small form, corrects it or leaves it out, and submits.
This module finds those rows in the file's text by the line where each record starts
(the number :func:`ballot.election.roll.parse_roll` reports) and writes the corrected
file, streaming, so a 260,000-row file is never held as a list of rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

#: Most bad rows shown as forms at once: a file with more problems is better fixed at
#: its source (the membership system) and uploaded again.
MAX_FORMS = 50


@dataclass(frozen=True)
class DraftRow:
    """One record of the file: where it starts and its cells, padded to the header."""

    line: int
    cells: list[str]


def _text(csv_text: str) -> str:
    return csv_text[1:] if csv_text.startswith("\ufeff") else csv_text


def _records(csv_text: str) -> Iterator[tuple[int, list[str]]]:
    """(start line, cells) of every record, the header first (line 1)."""
    reader = csv.reader(io.StringIO(_text(csv_text), newline=""))
    line_num = 0
    for cells in reader:
        yield line_num + 1, cells
        line_num = reader.line_num


def header_of(csv_text: str) -> list[str]:
    """The file's column names as written (empty if it has no readable header)."""
    try:
        for _line, cells in _records(csv_text):
            return [c.strip() for c in cells]
    except csv.Error:
        return []
    return []


def rows_at(csv_text: str, lines: set[int]) -> list[DraftRow]:
    """The records starting at ``lines`` (at most :data:`MAX_FORMS`), cells fitted to the header."""
    width = len(header_of(csv_text))
    found: list[DraftRow] = []
    try:
        for line, cells in _records(csv_text):
            if line in lines and line > 1:
                fitted = (cells + [""] * width)[:width] if width else cells
                found.append(DraftRow(line, fitted))
                if len(found) >= MAX_FORMS:
                    break
    except csv.Error:
        return found
    return found


def corrected(csv_text: str, fixes: Mapping[int, list[str] | None]) -> str:
    """The file with the record starting at each line of ``fixes`` replaced (None: left out).

    Every other record is written back as it was read (re-quoted where needed); blank
    records are dropped, as the import skips them anyway.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for line, cells in _records(csv_text):
        if line in fixes:
            fix = fixes[line]
            if fix is not None:
                writer.writerow(fix)
        elif cells and "".join(cells).strip():
            writer.writerow(cells)
    return out.getvalue()
