"""How many SMS segments a text costs: GSM-7 when it can, UCS-2 otherwise (3GPP TS 23.038).

A text message is sent in 140-byte parts.  In the GSM 7-bit default alphabet (GSM 03.38)
a part holds 160 characters, or 153 once a text needs several parts (each part then
carries a 6-byte header that says how to join them); a character of the extension table
(``{ } [ ] ~ \\ | ^ €`` and form feed) is an escape plus a character, so it counts twice,
and its two septets are never split between parts.  A single character outside both
tables makes the whole text UCS-2: 70 UTF-16 code units in one part, 67 per part after
that, and a character outside the Basic Multilingual Plane (an emoji) is two code units
that are never split.  Gateways bill, and phones show, by these parts, so members'
messages are written to fit as few as possible (:mod:`ballot.sms.texts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

#: The GSM 03.38 default alphabet (one septet each), in table order.  Position 0x1B is the
#: escape to the extension table, not a character of its own.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: The extension table: each costs two septets (the escape and itself).
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE = {"GSM-7": 160, "UCS-2": 70}
PER_PART = {"GSM-7": 153, "UCS-2": 67}


class Encoding(StrEnum):
    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


@dataclass(frozen=True)
class Segments:
    """What a text costs: its encoding, its length in that encoding's units, its parts."""

    encoding: Encoding
    units: int  #: septets (GSM-7) or UTF-16 code units (UCS-2)
    count: int  #: parts the text is sent in (0 for an empty text)


def encoding_of(text: str) -> Encoding:
    """GSM-7 if every character is in the default alphabet or its extension, else UCS-2."""
    for char in text:
        if char not in GSM7_BASIC and char not in GSM7_EXTENSION:
            return Encoding.UCS2
    return Encoding.GSM7


def _costs(text: str, encoding: Encoding) -> list[int]:
    if encoding is Encoding.GSM7:
        return [2 if char in GSM7_EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def segments(text: str) -> Segments:
    """The exact number of parts ``text`` is sent in, and why (see the module's text)."""
    encoding = encoding_of(text)
    costs = _costs(text, encoding)
    units = sum(costs)
    if units == 0:
        return Segments(encoding, 0, 0)
    if units <= SINGLE[encoding.value]:
        return Segments(encoding, units, 1)
    room = PER_PART[encoding.value]
    count, used = 1, 0
    for cost in costs:  # a two-unit character never straddles two parts
        if used + cost > room:
            count, used = count + 1, 0
        used += cost
    return Segments(encoding, units, count)


def segment_count(text: str) -> int:
    return segments(text).count


#: Typographic characters that have a plain GSM-7 equivalent a reader takes the same way.
#: Left in, any one of them would make a whole message UCS-2 (and two or three times longer).
_PLAIN = str.maketrans(
    {
        "\u00a0": " ",  # no-break space (CLDR puts it before AM/PM)
        "\u202f": " ",  # narrow no-break space
        "\u2009": " ",  # thin space
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
    }
)


def plain_punctuation(text: str) -> str:
    """``text`` with typographic spaces, quotes, dashes and ellipses made plain."""
    return text.translate(_PLAIN)
