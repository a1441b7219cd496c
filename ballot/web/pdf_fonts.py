"""The fonts every printed document embeds, and a blank A4 document that uses them.

The tally sheet, the members' letters and the notice of election are printed in the six
languages ballot ships.  One font covers them all: Noto Sans CJK (SIL Open Font License
1.1, which allows embedding in documents), whose faces cover Korean, Chinese, the Latin
script with Vietnamese diacritics, and Tagalog.  Debian and Ubuntu ship it as
``fonts-noto-cjk``; ``BALLOT_PDF_FONT`` names another file (TrueType, OpenType or a
collection) if the server keeps its fonts elsewhere.  Its Latin letters tell apart the
characters a member typing a link could confuse (l has a tail, O is rounder than 0),
better than the collection's monospaced face, so links are printed in it too.

Han characters are drawn differently in each region, so a Chinese text gets the
Simplified Chinese face and every other language the Korean one; a merged document with
letters in several languages registers one family per face and picks per page.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final, cast

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

#: Where the font is looked for, first match wins (regular face, bold face).
FONT_CANDIDATES: Final = (
    (
        Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
        Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    ),
    (
        Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
        Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc"),
    ),
)
#: The face of the Noto Sans CJK collections for each language (Han glyphs differ by
#: region: Chinese readers get the Simplified Chinese forms, everyone else the Korean face).
COLLECTION_FACE: Final = {"zh": 2}
KOREAN_FACE: Final = 1
#: The proportional family of a document with one language (the tally sheet's).
FAMILY: Final = "sheet"


class FontMissing(RuntimeError):
    """No font that covers every language is installed (see the module note)."""


def font_files() -> tuple[Path, Path]:
    """The regular and bold font files to embed (the bold falls back to the regular)."""
    chosen = os.environ.get("BALLOT_PDF_FONT")
    if chosen:
        path = Path(chosen)
        if not path.is_file():
            raise FontMissing(f"BALLOT_PDF_FONT names no file: {chosen}")
        return path, path
    for regular, bold in FONT_CANDIDATES:
        if regular.is_file():
            return regular, bold if bold.is_file() else regular
    raise FontMissing(
        "no font for printed documents: install fonts-noto-cjk, or set BALLOT_PDF_FONT"
    )


def face_of(language: str) -> int:
    return COLLECTION_FACE.get(language, KOREAN_FACE)


def family_of(language: str) -> str:
    """The proportional family registered for ``language`` by :func:`add_language`."""
    return f"text{face_of(language)}"


def _add(pdf: FPDF, family: str, style: str, path: Path, face: int) -> None:
    if family.lower() + style in pdf.fonts:
        return
    number = face if path.suffix.lower() == ".ttc" else 0
    pdf.add_font(family, style, str(path), collection_font_number=number)


def add_language(pdf: FPDF, language: str) -> None:
    """Register the regular and bold faces ``language`` is printed with (once per
    document, whatever the number of pages in that language)."""
    regular, bold = font_files()
    face = face_of(language)
    _add(pdf, family_of(language), "", regular, face)
    _add(pdf, family_of(language), "B", bold, face)


def add_sheet_family(pdf: FPDF, language: str) -> None:
    """Register :data:`FAMILY` (regular and bold) in ``language``'s face."""
    regular, bold = font_files()
    _add(pdf, FAMILY, "", regular, face_of(language))
    _add(pdf, FAMILY, "B", bold, face_of(language))


class PrintedDocument(FPDF):
    """An A4 document whose pages end with a small footer line and the page number."""

    def __init__(self, footer_text: str = "", footer_family: str = FAMILY) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.footer_family = footer_family
        self._wrapped: dict[tuple[str, str, float, float, str], list[str]] = {}

    def paragraph(self, width: float, height: float, text: str, x: float | None = None) -> None:
        """``text`` left-aligned in lines of ``width`` at ``x`` (the left margin by default),
        the cursor then below it at the left margin.

        A merged document repeats the same sentences on every page; breaking them into
        lines is most of fpdf2's work, so each sentence is broken once per font and width.
        """
        key = (self.font_family, self.font_style, self.font_size_pt, width, text)
        if key not in self._wrapped:
            broken = self.multi_cell(
                width, height, text, align="L", dry_run=True, output=MethodReturnValue.LINES
            )
            self._wrapped[key] = [str(line) for line in cast(list[str], broken)]
        lines = self._wrapped[key]
        left = self.l_margin if x is None else x
        for line in lines:
            self.set_x(left)
            self.cell(width, height, line, new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_x(self.l_margin)

    def footer(self) -> None:
        if not self.footer_text:
            return
        self.set_y(-14)
        self.set_font(self.footer_family, "", 8)
        self.cell(0, 6, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="C")


def new_document(footer_text: str = "", footer_family: str = FAMILY) -> PrintedDocument:
    """An empty document with ballot's margins and page numbers (fonts added by the caller)."""
    pdf = PrintedDocument(footer_text, footer_family)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(16, 16, 16)
    pdf.alias_nb_pages()
    pdf.set_creator("ballot")
    return pdf
