"""The tally sheet on paper: a PDF in the committee's language, with signature lines.

A labour board's tally of ballots is signed by the people who watched the count; the
committee prints this sheet, the committee and each side's observers sign it, and it is
kept with the election's records.  Every figure comes from the same view as the public
result page (:func:`ballot.web.observer.result_page.result_context`), so the paper and
the screen cannot disagree.

Rendered with fpdf2 (LGPL-3.0) and a font embedded in the file (subset) that covers the
six languages ballot ships (:mod:`ballot.web.pdf_fonts`, shared with the members' letters
and the notice of election).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ballot.i18n import format_moment, translations
from ballot.web.pdf_fonts import (
    FAMILY,
    FontMissing,
    PrintedDocument,
    add_sheet_family,
    new_document,
)
from ballot.web.results_view import whole
from ballot.web.tally_pdf_ranked import ranked_sections

__all__ = ["FontMissing", "SheetText", "tally_sheet_pdf"]


@dataclass(frozen=True)
class SheetText:
    """What goes on the sheet: the page's context, already in ``language``."""

    language: str
    title: str
    election_id: str
    time_zone: str
    committee: str
    context: dict[str, Any]


def _new_pdf(language: str, footer_text: str) -> PrintedDocument:
    pdf = new_document(footer_text)
    add_sheet_family(pdf, language)
    pdf.add_page()
    return pdf


def tally_sheet_pdf(sheet: SheetText) -> bytes:
    """The tally sheet of the latest count, ready to print and sign."""
    _ = translations(sheet.language).gettext
    context = sheet.context
    rounds = context["rounds"]
    latest = rounds[-1]
    pdf = _new_pdf(sheet.language, _("Tally sheet") + f" · {sheet.election_id}")
    pdf.set_title(f"{_('Tally sheet')}: {sheet.title}")
    width = pdf.epw

    def line(text: str, size: float = 10, style: str = "", height: float = 5.5) -> None:
        pdf.set_font(FAMILY, style, size)
        pdf.multi_cell(width, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    line(_("Tally of ballots"), 16, "B", 8)
    line(sheet.title, 13, "B", 7)
    pdf.ln(1)
    status = context["status"]
    status_words = {
        "certified": _("Certified: this result is final."),
        "provisional": _("PROVISIONAL: not certified yet."),
        "challenges": _("PROVISIONAL: the challenged ballots could change the result."),
        "mixing": _("PROVISIONAL: the ranked races are counted once their ballots are mixed."),
    }
    facts = [
        (_("Election"), f"{sheet.title} ({sheet.election_id})"),
        (_("Election committee"), sheet.committee or _("the election committee")),
        (_("Date of the count"), latest.at["text"]),
        (_("Count"), _("Round %(n)s") % {"n": latest.round}),
        (_("Status"), status_words.get(status, status)),
        (_("Printed"), format_moment(_now(), sheet.language, sheet.time_zone)),
    ]
    for name, value in facts:
        _pair(pdf, name, value, width)
    pdf.ln(2)
    for line_text in context.get("rule") or []:
        line(line_text, 9)
    for q in latest.questions:
        pdf.ln(3)
        line(q.text, 12, "B", 6.5)
        if q.unit:  # a per-unit race (contract 1): whose ballots carry it
            line(_("Only members of the unit %(unit)s vote in this race.") % {"unit": q.unit})
        rows = [
            (
                _("Approximate number of eligible voters"),
                whole(latest.eligible, sheet.language) if latest.eligible is not None else "—",
            ),
            (_("Ballots cast"), whole(latest.cast, sheet.language)),
            (_("Void ballots"), whole(q.void, sheet.language)),
        ]
        if q.ballots is not None:
            rows.insert(
                2, (_("Counted ballots that carry this race"), whole(q.ballots, sheet.language))
            )
        shares = q.shares.options if q.shares is not None else []
        for i, (label, votes) in enumerate(q.options):
            share = f" ({shares[i].percent})" if i < len(shares) and shares[i].percent else ""
            rows.append(
                (
                    _("Votes for %(choice)s") % {"choice": label},
                    whole(votes, sheet.language) + share,
                )
            )
        rows += [
            (_("Valid votes counted"), whole(q.valid, sheet.language)),
            (_("Challenged ballots"), whole(latest.challenged, sheet.language)),
        ]
        if latest.replaced:  # revoting: earlier ballots of members who voted again
            rows.insert(
                2,  # after "Ballots cast"
                (
                    _("Replaced by the same member's later ballot (not counted)"),
                    whole(latest.replaced, sheet.language),
                ),
            )
        if latest.sustained or latest.overruled:
            rows.append((_("Challenges sustained (not counted)"), str(latest.sustained)))
            rows.append((_("Challenges overruled (counted)"), str(latest.overruled)))
        rows.append((_("Challenges are determinative"), _("Yes") if q.determinative else _("No")))
        quorum = q.shares.quorum if q.shares is not None else None
        rows.append((_("Quorum"), quorum or _("No quorum is required.")))
        _table(pdf, rows, width)
        line(_("Outcome: %(words)s") % {"words": q.outcome}, 11, "B", 6)
        for reason in q.reasons:  # why, in the sheet's language (PROTOCOL 15.6)
            line(reason, 10)
        if q.shares is not None and q.shares.needed:
            line(q.shares.needed, 10)
        if q.shares is not None and q.shares.quorum:
            line(q.shares.quorum, 10)
        if not q.quorum_met:
            line(_("The quorum was not met."), 10)
        if q.units:
            pdf.ln(1)
            line(_("Results by unit"), 10, "B")
            labels = [label for label, _votes in q.options]
            for name, votes, void in q.units:
                parts = [
                    f"{label} {whole(n, sheet.language)}"
                    for label, n in zip(labels, votes, strict=True)
                ]
                parts.append(f"{_('Void ballots')} {whole(void, sheet.language)}")
                line(f"{name}: " + "; ".join(parts), 9)
    ranked_sections(pdf, context.get("races") or [], context.get("mix"), line, _)
    pdf.ln(4)
    _signatures(pdf, width, _)
    return bytes(pdf.output())


def _now() -> datetime:
    return datetime.now(UTC)


def _pair(pdf: FPDF, name: str, value: str, width: float) -> None:
    pdf.set_font(FAMILY, "B", 10)
    pdf.multi_cell(width * 0.35, 5.5, name, new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.set_font(FAMILY, "", 10)
    pdf.multi_cell(width * 0.65, 5.5, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _table(pdf: FPDF, rows: list[tuple[str, str]], width: float) -> None:
    pdf.set_font(FAMILY, "", 10)
    with pdf.table(
        width=width,
        col_widths=(70, 30),
        first_row_as_headings=False,
        line_height=6,
        text_align=("LEFT", "RIGHT"),
    ) as table:
        for name, value in rows:
            row = table.row()
            row.cell(name)
            row.cell(value)
    pdf.ln(1)


def _signatures(pdf: FPDF, width: float, _: Callable[[str], str]) -> None:
    """Lines for the committee and for each side's observers to sign."""
    pdf.set_font(FAMILY, "B", 11)
    pdf.multi_cell(width, 6, _("Signatures"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 9)
    pdf.multi_cell(
        width,
        5,
        _(
            "We watched the count and agree that these figures are the ones the trustees "
            "decrypted and the public board shows."
        ),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    blocks = [
        (_("For the election committee"), 2),
        (_("Observer for the union"), 1),
        (_("Observer for the employer or the other side"), 1),
    ]
    for heading, count in blocks:
        for _i in range(count):
            if pdf.get_y() > pdf.h - 45:
                pdf.add_page()
            pdf.ln(4)
            pdf.set_font(FAMILY, "B", 10)
            pdf.multi_cell(width, 5.5, heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_font(FAMILY, "", 9)
            third = width / 3
            y = pdf.get_y() + 9
            for i, label in enumerate((_("Name"), _("Signature"), _("Date"))):
                x = pdf.l_margin + i * third
                pdf.line(x, y, x + third - 4, y)
                pdf.set_xy(x, y + 0.5)
                pdf.cell(third - 4, 4.5, label)
            pdf.set_xy(pdf.l_margin, y + 6)
