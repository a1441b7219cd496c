"""A member's voting letter on paper: their link as a QR code and as text, in their language.

For members with no e-mail address or phone, or none they trust.  One letter is one A4
page, written for a reader who may not read easily: the square code to scan first, the
link to type, a few short numbered steps, the closing time in the election's own time
zone with its name, and who to ask for help.  Below, for members and observers who
check: the member's alias on the public board and the election fingerprint.

The document is made in memory and handed straight to the committee's browser: it holds
live voting links, so it is never written to the server's disk or logged.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import segno
from fpdf.enums import XPos, YPos

from ballot.i18n import translations
from ballot.web.pdf_fonts import PrintedDocument, add_language, family_of, mono_family_of, new_document

#: The side of the printed QR code (millimetres): a cheap phone camera reads it at arm's length.
QR_SIDE = 58


@dataclass(frozen=True)
class Letter:
    """Everything one member's letter says, already in the member's language."""

    language: str
    name: str
    member_id: str
    #: The member's link as printed and in the QR code
    #: (:func:`ballot.service.letters.printed_link`).
    link: str
    title: str
    committee: str
    committee_email: str
    committee_phone: str
    closes: str
    alias: str | None
    alias_lookup: str
    fingerprint: str | None


def qr_png(link: str) -> bytes:
    """The link as a QR code image (error correction M: survives a smudge or a fold)."""
    out = io.BytesIO()
    segno.make_qr(link, error="m").save(out, kind="png", scale=10, border=4)
    return out.getvalue()


def letters_pdf(letters: Sequence[Letter]) -> bytes:
    """One page per letter, in the order given (the committee sorts them for the post)."""
    pdf = new_document()
    pdf.set_title(letters[0].title if letters else "")
    for letter in letters:
        add_language(pdf, letter.language)
    for letter in letters:
        _page(pdf, letter)
    return bytes(pdf.output())


def _page(pdf: PrintedDocument, letter: Letter) -> None:
    _ = translations(letter.language).gettext
    family, mono = family_of(letter.language), mono_family_of(letter.language)
    pdf.footer_family = family
    pdf.footer_text = ""
    pdf.add_page()
    width = pdf.epw

    def text(words: str, size: float = 12, style: str = "", height: float = 6.2) -> None:
        pdf.set_font(family, style, size)
        pdf.multi_cell(width, height, words, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.set_font(family, "", 9)
    pdf.cell(width / 2, 5, letter.committee)
    pdf.cell(width / 2, 5, f"{_('Member number')}: {letter.member_id}", align="R")
    pdf.ln(7)
    text(letter.title, 18, "B", 8.5)
    text(letter.name, 14, "B", 7.5)
    pdf.ln(2)
    text(_("This letter has your personal link to vote."), 12)
    pdf.ln(2)
    _code_and_link(pdf, letter, family, mono, _)
    pdf.ln(3)
    steps = [
        _("Scan the square code with the camera of a phone. Or type the link into a web browser."),
        _("Your ballot opens in your language. Read the question and choose your answer."),
        _("Check your choice. Then press the button to cast your ballot."),
    ]
    if letter.closes:
        steps.append(_("Voting closes: %(time)s") % {"time": letter.closes})
    for number, step in enumerate(steps, start=1):
        pdf.set_font(family, "B", 13)
        pdf.cell(9, 6.8, f"{number}.")
        pdf.set_font(family, "", 12.5)
        pdf.multi_cell(width - 9, 6.8, step, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    _secret_box(pdf, family, width, _)
    pdf.ln(3)
    organisation = letter.committee or _("the election committee")
    text(
        _("If you need help, or another way to vote, contact %(organisation)s.")
        % {"organisation": organisation},
        11,
    )
    if letter.committee_phone:
        text(_("Phone: %(number)s") % {"number": letter.committee_phone}, 11, "B")
    if letter.committee_email:
        text(_("Email: %(address)s") % {"address": letter.committee_email}, 11, "B")
    _checks(pdf, letter, family, width, _)


def _code_and_link(
    pdf: PrintedDocument, letter: Letter, family: str, mono: str, _: Callable[[str], str]
) -> None:
    """The QR code on the left, and beside it what to do without a camera."""
    top = pdf.get_y()
    pdf.image(io.BytesIO(qr_png(letter.link)), x=pdf.l_margin, y=top, w=QR_SIDE, h=QR_SIDE)
    left = pdf.l_margin + QR_SIDE + 6
    column = pdf.epw - QR_SIDE - 6
    pdf.set_xy(left, top + 2)
    pdf.set_font(family, "B", 12)
    pdf.multi_cell(column, 6.2, _("Scan this code to vote."), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_x(left)
    pdf.set_font(family, "", 11)
    pdf.multi_cell(
        column, 5.8, _("No camera? Type this link exactly:"), new_x=XPos.LEFT, new_y=YPos.NEXT
    )
    pdf.ln(1)
    pdf.set_x(left)
    pdf.set_font(mono, "", 11.5)
    pdf.multi_cell(column, 6.4, letter.link, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_y(max(pdf.get_y(), top + QR_SIDE))


def _secret_box(pdf: PrintedDocument, family: str, width: float, _: Callable[[str], str]) -> None:
    """Keep the letter to yourself: it is a vote in anyone's hands."""
    top = pdf.get_y()
    pdf.set_x(pdf.l_margin + 4)
    pdf.set_y(top + 3)
    for words, style in (
        (_("Keep this letter secret."), "B"),
        (
            _(
                "This link is only for you. Do not forward or share it. It works once: "
                "after you have voted, it cannot be used again."
            ),
            "",
        ),
        (_("Any link you were sent before no longer works: use this one."), ""),
        (
            _(
                "Your vote is encrypted on your phone or computer before it is sent. "
                "Only the total of all votes is ever decrypted."
            ),
            "",
        ),
    ):
        pdf.set_x(pdf.l_margin + 4)
        pdf.set_font(family, style, 11)
        pdf.multi_cell(width - 8, 5.8, words, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    bottom = pdf.get_y() + 3
    pdf.set_line_width(0.6)
    pdf.rect(pdf.l_margin, top, width, bottom - top)
    pdf.set_line_width(0.2)
    pdf.set_y(bottom)


def _checks(
    pdf: PrintedDocument, letter: Letter, family: str, width: float, _: Callable[[str], str]
) -> None:
    """For checking, in small print: the alias and the election fingerprint."""
    pdf.ln(3)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
    pdf.ln(2)

    def small(words: str, style: str = "") -> None:
        pdf.set_font(family, style, 8.5)
        pdf.multi_cell(width, 4.4, words, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    if letter.alias:
        small(f"{_('Your alias on the public board:')} {letter.alias}", "B")
        small(
            _(
                "Your ballot appears on the public board under this alias, never under your "
                "name. Only you and the voting service know it is yours. After voting, or if "
                "you do not vote, look it up to check that no one else voted in your name:"
            )
            + f" {letter.alias_lookup}"
        )
    if letter.fingerprint:
        small(f"{_('Election fingerprint:')} {letter.fingerprint}", "B")
        small(_("It is the same on every public page of this election."))
