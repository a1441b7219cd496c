"""Rendering: every language, escaping, the link check, the reminder's strict content."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from ballot.config import Settings
from ballot.i18n import LANGUAGES, gettext
from ballot.mail.messages import format_when, render_invitation, render_reminder, render_test
from ballot.mail.sender import Outgoing, build_message, scrub

LINK = "https://vote.example.org/v/Zq3_kP-0aB9cDeFgHiJkLmNoPqRsTuVwXyZ012345678"
#: One sentence of the invitation per language, to see the whole message is in it.
PERSONAL = {
    "en": "This link is only for you.",
    "es": "Este enlace es solo para usted.",
    "ko": "이 링크는 본인 전용입니다.",
    "zh": "此链接仅供您本人使用。",
    "vi": "Đường liên kết này chỉ dành riêng cho bạn.",
    "tl": "Para sa iyo lamang ang link na ito.",
}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self.in_head = False

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.in_head = self.in_head or tag == "head"

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False

    def handle_data(self, data: str) -> None:
        if not self.in_head and data.strip():
            self.chunks.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.chunks


def invite(language: str, **changes: object):
    args: dict[str, object] = {
        "election_title": "Contract ratification 2026",
        "opens_at": datetime(2026, 5, 1, 9, 0, tzinfo=UTC),
        "closes_at": datetime(2026, 5, 20, 17, 0, tzinfo=UTC),
        "link": LINK,
        "organisation": "Local 42 Election Committee",
    }
    return render_invitation(language, **{**args, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_invitation_is_wholly_in_the_members_language(language: str) -> None:
    m = invite(language, help_contact="+1 555 0100")
    for body in (m.text, m.html):
        assert PERSONAL[language] in body
        assert LINK in body and "Contract ratification 2026" in body
        assert "Local 42 Election Committee" in body and "+1 555 0100" in body
        assert format_when(language, datetime(2026, 5, 20, 17, 0, tzinfo=UTC)) in body
        assert "2026" in body
    if language != "en":
        assert "This link is only for you" not in m.text + m.html
        assert "Voting closes" not in m.text + m.html
    assert "Contract ratification 2026" in m.subject
    assert f'<html lang="{"zh-Hans" if language == "zh" else language}"' in m.html


def test_invitation_says_what_a_member_needs_to_know() -> None:
    text = invite("en").text
    assert "You can vote in: Contract ratification 2026" in text
    assert "Voting opens: Fri, May 1, 2026, 9:00\u00a0AM UTC" in text
    assert "Voting closes: Wed, May 20, 2026, 5:00\u00a0PM UTC" in text
    assert "works once" in text and "Do not forward or share it" in text
    assert "encrypted on your phone" in text
    assert "If you need help, or another way to vote, contact Local 42 Election Committee." in text


def test_html_escapes_everything_inserted() -> None:
    m = invite(
        "es",
        election_title='<script>alert("x")</script> & co',
        organisation="<b>Local</b> 42",
        help_contact="<img src=x onerror=alert(1)>",
    )
    assert "<script>" not in m.html and "<b>" not in m.html and "<img" not in m.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in m.html
    assert "&lt;img src=x onerror=alert(1)&gt;" in m.html
    # The plain-text part is not HTML: it carries the title as written.
    assert '<script>alert("x")</script> & co' in m.text


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "vote.example.org/v/x", "https://a/v/x y", "data:text/html,x"]
)
def test_only_a_web_address_can_be_the_link(link: str) -> None:
    with pytest.raises(ValueError, match="http"):
        invite("en", link=link)


def test_title_cannot_smuggle_lines_into_the_subject() -> None:
    m = invite("en", election_title="Vote\r\nBcc: everyone@example.org")
    assert "\n" not in m.subject and "\r" not in m.subject


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_reminder_holds_only_not_voted_link_and_closing_time(language: str) -> None:
    r = render_reminder(
        language,
        election_title="Contract ratification 2026",
        closes_at="2026-05-20 17:00 UTC",
        link=LINK,
        opens_at="2026-05-01 09:00 UTC",
        organisation="VOTE YES: a better contract for all!",
    )
    lines = [line for line in r.text.splitlines() if line.strip()]
    # The reminder, then the signature: the committee the definition names, here none, so
    # "the election committee" in the member's language (never the organisation given).
    assert len(lines) == 6 and lines[4] == "-- "
    assert "Contract ratification 2026" in lines[0]
    assert lines[2] == LINK and "2026-05-20 17:00 UTC" in lines[3]
    signed = gettext(language, "Sent by %(organisation)s.") % {
        "organisation": gettext(language, "the election committee")
    }
    assert lines[5] == signed
    # The HTML part says the same and nothing more.
    assert visible_text(r.html) == [*lines[:2], LINK, lines[3], signed]
    for body in (r.text, r.html, r.subject):
        assert "YES" not in body and "2026-05-01" not in body


def test_english_reminder_wording() -> None:
    r = render_reminder("en", election_title="Strike vote", closes_at="Friday 5 PM UTC", link=LINK)
    assert r.subject == "Reminder: you have not voted yet (Strike vote)"
    assert r.text == (
        "You have not voted yet in: Strike vote\n\n"
        f"To vote, open your personal link:\n{LINK}\n\n"
        "Voting closes: Friday 5 PM UTC\n\n"
        "-- \n"
        "Sent by the election committee.\n"
    )


def test_test_message_in_language() -> None:
    m = render_test("zh", organisation="Local 42")
    assert m.subject == "ballot 测试邮件" and "Local 42" in m.text and "测试邮件" in m.html


def test_unknown_language_falls_back_to_english() -> None:
    assert invite("xx").subject == "Your ballot: Contract ratification 2026"
    assert invite("es-MX").subject.startswith("Su papeleta")


def test_built_mime_message_parses_back_exactly() -> None:
    m = invite("ko")
    out = Outgoing(1, "member@example.org", "ko", m.subject, m.text, m.html, 1)
    raw = build_message(Settings(mail_from="Comité <elections@local42.example>"), out)
    assert raw.isascii()  # 7-bit clean: any relay accepts it
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == m.subject and parsed["Content-Language"] == "ko"
    assert parsed["From"] == "Comité <elections@local42.example>"
    assert re.fullmatch(r"<[0-9a-f]{32}@local42\.example>", parsed["Message-ID"])
    plain = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content().replace("\r\n", "\n") == m.text
    assert html.get_content().replace("\r\n", "\n") == m.html


def test_errors_are_scrubbed_of_links_and_tokens() -> None:
    text = scrub(f"554 rejected content near {LINK}\r\n and token Zq3_kP-0aB9cDeFgHiJkLmNoPq")
    assert "Zq3" not in text and "/v/Zq" not in text and "\n" not in text
    assert text.startswith("554 rejected content near")
