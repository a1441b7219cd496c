"""A member's voting letter on paper: their link as a QR code, and a code to type, in their
language.

For members with no e-mail address or phone, or none they trust.  One letter is one A4
page, written for a reader who may not read easily: the square code to scan first; for a
member without a camera, a short address (``https://.../v``) and their letter code in
groups of five to type on that page; a few short numbered steps, the closing time in the election's own time
zone with its name, and who to ask for help.  Below, for members and observers who
check: the member's alias on the public board and the election fingerprint.

The document is made in memory and handed straight to the committee's browser: it holds
live voting links, so it is never written to the server's disk or logged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import segno

from ballot.i18n import translations
from ballot.web.pdf_fonts import PrintedDocument, add_language, family_of, new_document

#: The side of the printed QR code (millimetres): a cheap phone camera reads it at arm's length.
QR_SIDE = 58


@dataclass(frozen=True)
class Letter:
    """Everything one member's letter says, already in the member's language."""

    language: str
    name: str
    member_id: str
    #: The member's link in the QR code (:func:`ballot.service.letters.printed_link`).
    link: str
    #: Where the code is typed (:func:`ballot.service.letters.typing_address`).
    address: str
    #: The letter code (:func:`ballot.store.tokens.new_letter_token`).
    code: str
    title: str
    committee: str
    committee_email: str
    committee_phone: str
    closes: str
    alias: str | None
    alias_lookup: str
    fingerprint: str | None


def draw_qr(pdf: PrintedDocument, link: str, x: float, y: float, side: float) -> None:
    """The link as a QR code, drawn as vector squares (sharp on any printer, and quick):
    error correction M survives a smudge or a fold; the quiet zone is the standard four
    modules."""
    rows = [list(row) for row in segno.make_qr(link, error="m").matrix_iter(border=4)]
    module = side / len(rows)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            # A hair taller than a module, so that no light seam shows between two rows.
            pdf.rect(x + start * module, y + r * module, (c - start) * module, module * 1.04, "F")


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
    family = family_of(letter.language)
    pdf.footer_family = family
    pdf.footer_text = ""
    pdf.add_page()
    width = pdf.epw

    def text(words: str, size: float = 12, style: str = "", height: float = 6.2) -> None:
        pdf.set_font(family, style, size)
        pdf.paragraph(width, height, words)

    pdf.set_font(family, "", 9)
    pdf.cell(width / 2, 5, letter.committee)
    label = _("Member number")
    pdf.cell(width / 2, 5, f"{label}: {letter.member_id}", align="R")
    pdf.ln(7)
    text(letter.title, 18, "B", 8.5)
    text(letter.name, 14, "B", 7.5)
    pdf.ln(2)
    text(_("This letter has your personal link to vote."), 12)
    pdf.ln(2)
    _code_and_link(pdf, letter, family, _)
    pdf.ln(3)
    steps = [
        _(
            "Scan the square code with the camera of a phone. Or open the address above in a "
            "web browser and type your code."
        ),
        _("Your ballot opens in your language. Read the question and choose your answer."),
        _("Check your choice. Then press the button to cast your ballot."),
    ]
    if letter.closes:
        steps.append(_("Voting closes: %(time)s") % {"time": letter.closes})
    for number, step in enumerate(steps, start=1):
        pdf.set_font(family, "B", 14)
        pdf.cell(9, 7.4, f"{number}.")
        pdf.set_font(family, "", 13.5)
        pdf.paragraph(width - 9, 7.4, step, x=pdf.l_margin + 9)
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
    pdf: PrintedDocument, letter: Letter, family: str, _: Callable[[str], str]
) -> None:
    """The QR code on the left, and beside it what to do without a camera."""
    top = pdf.get_y()
    draw_qr(pdf, letter.link, pdf.l_margin, top, QR_SIDE)
    left = pdf.l_margin + QR_SIDE + 6
    column = pdf.epw - QR_SIDE - 6
    pdf.set_y(top + 2)
    pdf.set_font(family, "B", 12)
    pdf.paragraph(column, 6.2, _("Scan this code to vote."), x=left)
    pdf.ln(2)
    pdf.set_font(family, "", 11)
    pdf.paragraph(column, 5.8, _("No camera? Open this address in a web browser:"), x=left)
    pdf.set_font(family, "B", 13)
    pdf.paragraph(column, 7, letter.address, x=left)
    pdf.ln(1)
    pdf.set_font(family, "", 11)
    pdf.paragraph(column, 5.8, _("Then type your code:"), x=left)
    pdf.set_font(family, "B", 17)
    pdf.paragraph(column, 9, letter.code.replace("-", " - "), x=left)
    pdf.set_xy(pdf.l_margin, max(pdf.get_y(), top + QR_SIDE))


def _secret_box(pdf: PrintedDocument, family: str, width: float, _: Callable[[str], str]) -> None:
    """Keep the letter to yourself: it is a vote in anyone's hands."""
    top = pdf.get_y()
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
        pdf.set_font(family, style, 11)
        pdf.paragraph(width - 8, 5.8, words, x=pdf.l_margin + 4)
    bottom = pdf.get_y() + 3
    pdf.set_line_width(0.6)
    pdf.rect(pdf.l_margin, top, width, bottom - top)
    pdf.set_line_width(0.2)
    pdf.set_xy(pdf.l_margin, bottom)


def _checks(
    pdf: PrintedDocument, letter: Letter, family: str, width: float, _: Callable[[str], str]
) -> None:
    """For checking, in small print: the alias and the election fingerprint."""
    pdf.ln(3)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
    pdf.ln(2)

    def small(words: str, style: str = "") -> None:
        pdf.set_font(family, style, 8.5)
        pdf.paragraph(width, 4.4, words)

    if letter.alias:
        label = _("Your alias on the public board:")
        small(f"{label} {letter.alias}", "B")
        small(
            _(
                "Your ballot appears on the public board under this alias, never under your "
                "name. Only you and the voting service know it is yours. After voting, or if "
                "you do not vote, look it up to check that no one else voted in your name:"
            )
            + f" {letter.alias_lookup}"
        )
    if letter.fingerprint:
        label = _("Election fingerprint:")
        small(f"{label} {letter.fingerprint}", "B")
        small(_("It is the same on every public page of this election."))
