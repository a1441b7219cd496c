"""An open election in Los Angeles time, in English, Spanish and Korean, with a named
committee; and what the tests read back from a PDF: its text and its QR codes."""

from __future__ import annotations

import io
from typing import Any

import pypdfium2
import zxingcpp
from litestar import Litestar
from pypdf import PdfReader

from tests.support.asgi import Web
from tests.support.elections import CastElection, open_with_ceremony

ZONE = "America/Los_Angeles"
COMMITTEE = {
    "name": {
        "en": "Staff Union Election Committee",
        "es": "Comité Electoral del Sindicato",
        "ko": "직원 노조 선거관리위원회",
    },
    "email": "committee@staffunion.example",
    "phone": "+1 213 555 0100",
}
ROLL = """member_id,name,email,language,unit,challenged
K001,김민준,kim@example.org,ko,North,
K002,Ana López,ana@example.org,es,North,
K003,Ben Carter,ben@example.org,en,South,
K004,Chen Wei,chen@example.org,en,South,
K005,Fay Green,fay@example.org,en,East,
"""
DEFINITION: dict[str, Any] = {
    "kind": "recognition",
    "time_zone": ZONE,
    "committee": COMMITTEE,
    "title": {
        "en": "Recognition vote",
        "es": "Votación de reconocimiento",
        "ko": "노동조합 인정 투표",
    },
    "instructions": {"en": "Choose one.", "es": "Elija una.", "ko": "하나를 선택하십시오."},
    "opens_at": "2026-05-02T09:00:00Z",
    "closes_at": "2026-05-09T17:00:00Z",
    "rule": "majority",
    "trustees": {"n": 1, "k": 1},
    "questions": [
        {
            "text": {
                "en": "Do you want the union?",
                "es": "¿Quiere el sindicato?",
                "ko": "노동조합을 원하십니까?",
            },
            "min": 1,
            "max": 1,
            "options": [
                {"en": "Yes", "es": "Sí", "ko": "예"},
                {"en": "No", "es": "No", "ko": "아니요"},
            ],
        }
    ],
}


async def open_election(app: Litestar, admin: Web, captured: dict[int, str]) -> CastElection:
    return await open_with_ceremony(app, admin, captured, DEFINITION, ROLL)


def compact(text: str) -> str:
    """Text without white space: pypdf spaces the glyphs of a CID font apart (and writes a
    NUL before each, from the font's two-byte ToUnicode map)."""
    return "".join(text.replace("\x00", "").split())


def pdf_pages(body: bytes) -> list[str]:
    """Each page's text, compacted."""
    return [compact(page.extract_text()) for page in PdfReader(io.BytesIO(body)).pages]


def qr_codes(body: bytes, scale: float = 2.0) -> list[list[str]]:
    """The QR codes each page carries, decoded from the page rendered as an image."""
    document = pypdfium2.PdfDocument(body)
    try:
        found = []
        for index in range(len(document)):
            image = document[index].render(scale=scale).to_pil()
            found.append(
                [
                    r.text
                    for r in zxingcpp.read_barcodes(image)
                    if r.format == zxingcpp.BarcodeFormat.QRCode
                ]
            )
        return found
    finally:
        document.close()
