"""The members' text messages: every language's invitation and reminder within budget.

Budget (``ballot.sms.texts.BUDGET``): at most 2 parts in GSM-7, 3 in UCS-2.  Checked with
a committee name of 40 characters, a 30-character base address and each language's own
election name, which is more than most unions will use.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ballot.i18n import LANGUAGES
from ballot.sms.segments import Encoding, segments
from ballot.sms.texts import (
    BUDGET,
    MIN_NAME,
    render_sms_invitation,
    render_sms_reminder,
    short_moment,
    within_budget,
)
from ballot.store.tokens import new_token

BASE = "https://vote.example-union.org"  # 30 characters
COMMITTEE = "Local 1042 Warehouse Election Committee"  # 39 characters
CLOSES = datetime(2026, 5, 9, 0, 30, tzinfo=UTC)  # Friday 8 May, 17:30 in Los Angeles
ZONE = "America/Los_Angeles"
TITLES = {
    "en": "Contract ratification 2026",
    "es": "Ratificacion del contrato 2026",
    "ko": "2026년 단체협약 비준 투표",
    "zh": "2026年集体合同批准投票",
    "vi": "Phê chuẩn hợp đồng lao động 2026",
    "tl": "Pagpapatibay ng kontrata 2026",
}
#: How each language's texts are encoded with the names above.
ENCODINGS = {
    "en": Encoding.GSM7,
    "es": Encoding.GSM7,
    "tl": Encoding.GSM7,
    "ko": Encoding.UCS2,
    "zh": Encoding.UCS2,
    "vi": Encoding.UCS2,
}
RENDERERS = {"invitation": render_sms_invitation, "reminder": render_sms_reminder}


def render(
    kind: str, language: str, link: str, title: str | None = None, committee: str = COMMITTEE
) -> str:
    return RENDERERS[kind](
        language,
        election_title=title or TITLES[language],
        closes_at=CLOSES,
        link=link,
        committee=committee,
        time_zone=ZONE,
    )


def test_budget_is_two_gsm7_parts_or_three_ucs2_parts() -> None:
    assert BUDGET == {Encoding.GSM7: 2, Encoding.UCS2: 3}
    assert set(TITLES) == set(LANGUAGES)


@pytest.mark.parametrize("kind", ["invitation", "reminder"])
@pytest.mark.parametrize("language", list(TITLES))
def test_each_language_fits_its_budget(kind: str, language: str) -> None:
    token = new_token()
    link = f"{BASE}/v/{token}"
    text = render(kind, language, link)
    counted = segments(text)
    assert counted.encoding is ENCODINGS[language]
    assert counted.count <= BUDGET[counted.encoding], (counted, text)
    assert text.endswith(link), "the link comes last, whole, so phones make it a link"
    assert text.count(token) == 1
    assert TITLES[language][:MIN_NAME] in text
    assert COMMITTEE in text
    assert short_moment(CLOSES, language, ZONE) in text
    # With a short committee name, the whole election name fits in every language.
    short = render(kind, language, link, committee="Local 1042")
    assert within_budget(short) and TITLES[language] in short


@pytest.mark.parametrize("kind", ["invitation", "reminder"])
@pytest.mark.parametrize("language", ["ko", "vi"])
def test_korean_and_vietnamese_texts_in_three_ucs2_parts(kind: str, language: str) -> None:
    text = render(kind, language, f"{BASE}/v/{new_token()}")
    counted = segments(text)
    assert counted.encoding is Encoding.UCS2 and counted.count <= 3
    assert counted.units <= 201


def test_the_closing_time_is_local_and_compact() -> None:
    assert short_moment(CLOSES, "en", ZONE) == "May 8, 5:30 PM PDT"
    assert short_moment(CLOSES, "es", ZONE) == "8 may, 17:30 PDT"
    assert short_moment(CLOSES, "ko", ZONE) == "5월 8일 오후 5:30 PDT"
    assert short_moment(CLOSES, "zh", ZONE) == "5月8日 17:30 PDT"
    assert short_moment(CLOSES, "vi", ZONE) == "17:30 8 thg 5 PDT"
    # A zone whose abbreviation is not letters is named by its offset.
    assert short_moment(CLOSES, "vi", "Asia/Ho_Chi_Minh").endswith("UTC+7")
    assert short_moment(CLOSES, "en", "Asia/Kathmandu") == "May 9, 6:15 AM UTC+5:45"


@pytest.mark.parametrize("language", list(TITLES))
def test_a_long_title_is_shortened_until_the_text_fits(language: str) -> None:
    token = new_token()
    long_title = TITLES[language] + " " + "and a very long explanation of the question " * 4
    for kind in RENDERERS:
        text = render(kind, language, f"{BASE}/v/{token}", long_title)
        assert within_budget(text), text
        assert text.endswith(f"{BASE}/v/{token}")
        assert "..." in text
        assert TITLES[language][:MIN_NAME] in text


def test_a_latin_title_with_typographic_quotes_stays_gsm7() -> None:
    text = render("invitation", "en", f"{BASE}/v/{new_token()}", "Workers’ “first” contract – 2026")
    assert segments(text).encoding is Encoding.GSM7
    assert 'Workers\' "first" contract - 2026' in text


def test_the_link_must_be_a_web_address() -> None:
    with pytest.raises(ValueError, match="http"):
        render("invitation", "en", "javascript:alert(1)")
