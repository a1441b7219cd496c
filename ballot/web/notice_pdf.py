"""The notice of election: a poster in one language, to put up where members work.

It says what is voted on and who may vote, when voting opens and closes (in the
election's own time zone, with the zone's name), how to vote by each way the election
offers and no other, a sample ballot (the questions with empty boxes, marked SAMPLE so
no one mistakes it for a ballot), who to ask, and the election fingerprint, so observers
can check that the election they watch is the one announced.  Everything comes from the
frozen definition and the roll; nothing on it is secret.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fpdf.enums import XPos, YPos

from ballot.i18n import translations
from ballot.service.notice import Channels
from ballot.web.pdf_fonts import PrintedDocument, add_language, family_of, new_document
from ballot.web.results_view import whole


@dataclass(frozen=True)
class SampleQuestion:
    text: str
    min: int
    max: int
    options: list[str]


@dataclass(frozen=True)
class NoticeText:
    """What the poster says, already in ``language``."""

    language: str
    title: str
    instructions: str
    committee: str
    committee_email: str
    committee_phone: str
    opens: str
    closes: str
    eligible: int
    units: list[str]
    channels: Channels
    board_link: str
    fingerprint: str | None
    questions: list[SampleQuestion] = field(default_factory=list)


def notice_pdf(notice: NoticeText) -> bytes:
    tr = translations(notice.language)
    _, ngettext = tr.gettext, tr.ngettext
    family = family_of(notice.language)
    name = _("Notice of election")
    pdf = new_document(f"{name} · {notice.title}", family)
    add_language(pdf, notice.language)
    pdf.set_title(f"{name}: {notice.title}")
    pdf.add_page()
    width = pdf.epw

    def text(words: str, size: float = 11.5, style: str = "", height: float = 6) -> None:
        pdf.set_font(family, style, size)
        pdf.multi_cell(width, height, words, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(words: str) -> None:
        pdf.ln(3)
        text(words, 14, "B", 7.5)

    text(_("NOTICE OF ELECTION"), 24, "B", 11)
    text(notice.title, 18, "B", 9)
    organisation = notice.committee or _("the election committee")
    text(_("Held by %(organisation)s.") % {"organisation": organisation}, 11.5)

    heading(_("When to vote"))
    if notice.opens:
        text(_("Voting opens: %(time)s") % {"time": notice.opens}, 12.5, "B")
    if notice.closes:
        text(_("Voting closes: %(time)s") % {"time": notice.closes}, 12.5, "B")

    heading(_("Who may vote"))
    who = ngettext("Every member on the election roll may vote: %(count)s member.", "Every member on the election roll may vote: %(count)s members.", notice.eligible)  # fmt: skip
    text(who % {"count": whole(notice.eligible, notice.language)})
    if notice.units:
        text(_("Units: %(units)s") % {"units": ", ".join(notice.units)})
    text(_("Each member votes once, whichever way they vote. The vote is secret."))

    heading(_("How to vote"))
    for way in _ways(notice.channels, _):
        pdf.set_font(family, "B", 11.5)
        pdf.cell(6, 6, "•")
        pdf.set_font(family, "", 11.5)
        pdf.multi_cell(width - 6, 6, way, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    _sample(pdf, notice, family, width, tr.gettext)

    heading(_("Questions about the election"))
    text(
        _("If you need help, or another way to vote, contact %(organisation)s.")
        % {"organisation": organisation}
    )
    if notice.committee_phone:
        text(_("Phone: %(number)s") % {"number": notice.committee_phone}, 11.5, "B")
    if notice.committee_email:
        text(_("Email: %(address)s") % {"address": notice.committee_email}, 11.5, "B")

    heading(_("For observers"))
    if notice.fingerprint:
        label = _("Election fingerprint:")
        text(f"{label} {notice.fingerprint}", 10.5, "B", 5.5)
        text(_("It is the same on every public page of this election."), 10.5)
    else:
        text(
            _(
                "The election fingerprint is published on the public board once the "
                "trustees have made the election's keys."
            ),
            10.5,
        )
    text(_("Public board: %(link)s") % {"link": notice.board_link}, 10.5)
    return bytes(pdf.output())


def _ways(channels: Channels, _: Callable[[str], str]) -> list[str]:
    """One sentence for each way to vote this election offers, and none for the others."""
    ways: list[str] = []
    if channels.email:
        ways.append(
            _(
                "By e-mail: members get a personal voting link by e-mail. Open it on a "
                "phone or computer and vote."
            )
        )
    if channels.text_message:
        ways.append(
            _(
                "By text message: members who gave a phone number get their personal "
                "voting link by text message."
            )
        )
    if channels.letter:
        ways.append(
            _(
                "By letter: a member with no e-mail or phone can ask the committee for a "
                "printed letter with their personal link and a code to scan with a phone."
            )
        )
    if channels.in_person:
        ways.append(
            _("In person: come to the polling place, where the committee checks you in.")
            + " "
            + _("Where and when: %(place)s") % {"place": channels.polling_place}
        )
    if channels.paper:
        ways.append(
            _("On paper: ask the committee for a paper ballot and return it before voting closes.")
        )
    return ways


def _sample(
    pdf: PrintedDocument,
    notice: NoticeText,
    family: str,
    width: float,
    _: Callable[[str], str],
) -> None:
    """The ballot with empty boxes, in a frame marked SAMPLE."""
    pdf.ln(4)
    if pdf.get_y() > pdf.h - 80:
        pdf.add_page()
    top, start_page = pdf.get_y(), pdf.page_no()
    inner = width - 10
    pdf.set_xy(pdf.l_margin + 5, top + 4)
    pdf.set_font(family, "B", 15)
    pdf.multi_cell(
        inner,
        7.5,
        _("SAMPLE BALLOT: do not use it to vote"),
        align="L",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    if notice.instructions:
        pdf.set_x(pdf.l_margin + 5)
        pdf.set_font(family, "", 10.5)
        pdf.multi_cell(
            inner, 5.5, notice.instructions, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
    for number, question in enumerate(notice.questions, start=1):
        pdf.ln(2)
        pdf.set_x(pdf.l_margin + 5)
        pdf.set_font(family, "B", 12)
        pdf.multi_cell(
            inner, 6.5, f"{number}. {question.text}", align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        pdf.set_x(pdf.l_margin + 5)
        pdf.set_font(family, "", 10)
        pdf.multi_cell(inner, 5.5, _how_many(question, _), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for option in question.options:
            if pdf.get_y() > pdf.h - 30:
                pdf.add_page()
            y = pdf.get_y() + 1
            pdf.set_line_width(0.4)
            pdf.rect(pdf.l_margin + 8, y, 5.5, 5.5)
            pdf.set_xy(pdf.l_margin + 17, y - 0.3)
            pdf.set_font(family, "", 12)
            pdf.multi_cell(inner - 12, 6.2, option, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(0.8)
    bottom = pdf.get_y() + 3
    if pdf.page_no() == start_page:  # a frame split over two pages would be drawn wrong
        pdf.set_line_width(0.8)
        pdf.set_dash_pattern(dash=2.5, gap=1.5)
        pdf.rect(pdf.l_margin, top, width, bottom - top)
        pdf.set_dash_pattern()
        pdf.set_line_width(0.2)
    pdf.set_y(bottom)


def _how_many(question: SampleQuestion, _: Callable[[str], str]) -> str:
    if question.min == question.max == 1:
        return _("Choose one")
    if question.min in (0, 1):
        return _("Choose up to %(max)s") % {"max": question.max}
    return _("Choose between %(min)s and %(max)s") % {"min": question.min, "max": question.max}
