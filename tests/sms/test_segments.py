"""Segment counting (3GPP TS 23.038): GSM-7 when every character allows it, else UCS-2."""

from __future__ import annotations

import pytest

from ballot.sms.segments import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    Encoding,
    plain_punctuation,
    segment_count,
    segments,
)


def test_the_tables_have_the_standards_sizes() -> None:
    assert len(GSM7_BASIC) == 127  # 128 positions, one of them the escape
    assert len(GSM7_EXTENSION) == 10
    assert not GSM7_BASIC & GSM7_EXTENSION
    assert {"@", "£", "é", "Ñ", "ü", "à", "\n", "_", "¿", "§"} <= GSM7_BASIC
    assert {"€", "[", "]", "{", "}", "~", "|", "^", "\\"} <= GSM7_EXTENSION
    assert not {"á", "í", "ó", "ú", "`", "’", "\u00a0"} & (GSM7_BASIC | GSM7_EXTENSION)


@pytest.mark.parametrize(
    ("text", "encoding", "units", "count"),
    [
        ("", Encoding.GSM7, 0, 0),
        ("a" * 160, Encoding.GSM7, 160, 1),
        ("a" * 161, Encoding.GSM7, 161, 2),
        ("a" * 306, Encoding.GSM7, 306, 2),
        ("a" * 307, Encoding.GSM7, 307, 3),
        ("€" * 80, Encoding.GSM7, 160, 1),  # extension characters count twice
        ("€" * 81, Encoding.GSM7, 162, 2),
        ("a" * 159 + "[", Encoding.GSM7, 161, 2),
        ("é" * 160, Encoding.GSM7, 160, 1),  # é is in the default alphabet
        ("á" * 70, Encoding.UCS2, 70, 1),
        ("á" * 71, Encoding.UCS2, 71, 2),
        ("á" * 134, Encoding.UCS2, 134, 2),
        ("á" * 135, Encoding.UCS2, 135, 3),
        ("한" * 70, Encoding.UCS2, 70, 1),
        ("a" * 159 + "’", Encoding.UCS2, 160, 3),  # one curly quote makes it all UCS-2
        ("😀" * 35, Encoding.UCS2, 70, 1),  # outside the BMP: two code units each
        ("😀" * 36, Encoding.UCS2, 72, 2),
    ],
)
def test_segments_counted_exactly(text: str, encoding: Encoding, units: int, count: int) -> None:
    assert segments(text) == segments(text)
    got = segments(text)
    assert (got.encoding, got.units, got.count) == (encoding, units, count)
    assert segment_count(text) == count


def test_an_escape_pair_is_never_split_between_parts() -> None:
    # 152 septets, then a two-septet character: it does not fit in part one's 153.
    text = "a" * 152 + "€" + "a" * 152
    assert segments(text).units == 306
    assert segment_count(text) == 3  # 152 | 2 + 151 | 1
    assert segment_count("a" * 151 + "€" + "a" * 153) == 2  # 153 | 153


def test_a_surrogate_pair_is_never_split_between_parts() -> None:
    text = "á" * 66 + "😀" + "á" * 66
    assert segments(text).units == 134
    assert segment_count(text) == 3  # 66 | 2 + 65 | 1


def test_plain_punctuation_keeps_a_latin_text_in_gsm7() -> None:
    typed = "Don’t wait – vote by 5:00\u202fPM… “now”"
    assert segments(typed).encoding is Encoding.UCS2
    plain = plain_punctuation(typed)
    assert plain == 'Don\'t wait - vote by 5:00 PM... "now"'
    assert segments(plain).encoding is Encoding.GSM7
