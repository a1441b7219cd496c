"""No English on a translated page: every page a person sees (``tests.support.pages.PAGES``),
in each language we ship, holds none of our English words in its visible text.

What is checked is the text a reader sees: element text and the tally sheet's printed
text, not attribute values, scripts, ``<code>`` and ``<pre>`` (hashes, file formats,
commands), text marked as another language (``lang``: the language menu, a preview of a
member's invitation) or anything marked ``translate="no"``.  What the committee typed (titles, options, names, reasons: the
fixture's ``Site.typed``) is taken out first: translating it is the committee's job, and
the fixture gives it in every language anyway.
"""

from __future__ import annotations

import io
import os
import re
from html.parser import HTMLParser
from pathlib import Path

from litestar import Litestar
from pypdf import PdfReader

from tests.support.asgi import Web
from tests.support.pages import PAGES, Site, build_site

TRANSLATED = ("es", "ko", "zh", "vi", "tl")

#: Our English words, taken from the templates and the words made in Python: the states,
#: the roles, the words of the roll, the count and the forms.  Matched as whole words,
#: case-insensitively (``key_ceremony`` and ``q1-o1`` are internal names, never words).
ENGLISH = [
    # States and kinds.
    "draft",
    "key ceremony",
    "key_ceremony",
    "ready",
    "open",
    "closed",
    "tallying",
    "tallied",
    "certified",
    "provisional",
    "recognition",
    "ratification",
    "strike_authorisation",
    "strike authorisation",
    "officer",
    # Members, ballots, the count.
    "challenged",
    "challenge",
    "tracker",
    "ballot",
    "ballots",
    "voted",
    "vote",
    "votes",
    "yes",
    "no",
    "trustee",
    "trustees",
    "eligible",
    "turnout",
    "member",
    "members",
    "round",
    "outcome",
    "approved",
    "rejected",
    "quorum",
    "unit",
    "units",
    "void",
    "blank",
    "valid",
    "result",
    "tally",
    "count",
    "sustained",
    "overruled",
    # Links and mail.
    "link",
    "pending",
    "sent",
    "failed",
    "active",
    "used",
    "revoked",
    "expired",
    "delivered",
    "retrying",
    "queued",
    "invitation",
    "reminder",
    # Accounts.
    "admin",
    "observer",
    "committee",
    "password",
    "sign in",
    "sign out",
    "role",
    "disabled",
    "enabled",
    # Forms and pages.
    "submit",
    "save",
    "search",
    "import",
    "election",
    "elections",
    "settings",
    "name",
    "email",
    "e-mail",
    "language",
    "state",
    "kind",
    "title",
    "reason",
    "decision",
    "edit",
    "back",
    "add",
    "remove",
    "download",
    "page",
    "next",
    "previous",
    "none",
    "not set",
    "position",
    "signature",
    "the",
    "and",
    "of",
    "your",
    # Times.
    "AM",
    "PM",
    "Mon",
    "Tue",
    "Wed",
    "Thu",
    "Fri",
    "Sat",
    "Sun",
    "Monday",
    "Saturday",
    "May",
    "June",
    "America/Los_Angeles",
    "Los_Angeles",
    "GMT",
]

#: Words that are rightly the same in a language, and why.
SAME_IN: dict[str, set[str]] = {
    # "No" is Spanish, and so is "provisional".
    "es": {"no", "provisional"},
    # Vietnamese writes "email" and "e-mail" as English does, and "Thu" is Vietnamese
    # ("Thu hồi": withdraw).
    "vi": {"email", "e-mail", "thu"},
    # Filipino's own month and hour words ("May", "AM", as CLDR has them), and the English
    # words Filipino readers use for these (the catalogue's choice, as banks and the
    # government write them): link, email, password, tracker, and "tally" as in the
    # election commission's own "tally board".
    "tl": {"may", "am", "pm", "link", "email", "e-mail", "password", "tracker", "tally"},
}

#: Words one page rightly has in a language, and why.
ON_PAGE: dict[tuple[str, str], set[str]] = {
    # "ballot" is the software's name in "get the ballot source code".
    **{("verify", lang): {"ballot"} for lang in ("es", "ko", "zh", "vi", "tl")},
    # The time zones' place names: CLDR's Filipino keeps "Isle of Man", "Turks and Caicos".
    ("committee-new-election", "tl"): {"of", "and"},
    ("committee-definition-draft", "tl"): {"of", "and"},
    ("committee-definition-frozen", "tl"): {"of", "and"},
    ("committee-definition-races", "tl"): {"of", "and"},
}

INTERNAL_NAME = re.compile(r"\b[a-z]+_[a-z_]+\b|\bq\d+-o\d+\b")


class VisibleText(HTMLParser):
    """The text of a page as read, without scripts, styles, code or translate="no" parts."""

    SKIP = frozenset({"script", "style", "code", "pre", "template"})
    VOID = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}
    )

    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.language = language
        self.parts: list[str] = []
        self.stack: list[bool] = []  # per open element: inside a skipped part?

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        lang = dict(attrs).get("lang") or ""
        other = tag != "html" and bool(lang) and lang.split("-")[0] != self.language
        skipped = bool(self.stack and self.stack[-1])
        self.stack.append(skipped or tag in self.SKIP or other or ("translate", "no") in attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)

    @classmethod
    def of(cls, html: str, language: str) -> str:
        parser = cls(language)
        parser.feed(html)
        return " ".join(" ".join(parser.parts).split())


def without_typed(text: str, site: Site) -> str:
    for typed in site.typed:
        text = text.replace(typed, " ")
    return text


def english_in(text: str, language: str, page: str = "") -> list[str]:
    allowed = SAME_IN.get(language, set()) | ON_PAGE.get((page, language), set())
    found = [
        word
        for word in ENGLISH
        if word.lower() not in allowed
        and re.search(
            rf"(?<![\w/-]){re.escape(word)}(?![\w/-])",
            text,
            0 if word[:1].isupper() and len(word) <= 3 else re.IGNORECASE,
        )
    ]
    return found + INTERNAL_NAME.findall(text)


def context_of(text: str, word: str) -> str:
    m = re.search(re.escape(word), text, re.IGNORECASE)
    return text[max(0, m.start() - 40) : m.end() + 40] if m else ""


async def test_no_english_words_on_any_translated_page(
    app: Litestar, admin: Web, web: Web, captured_tokens: dict[int, str]
) -> None:
    site = await build_site(app, admin, web, captured_tokens)
    problems: dict[tuple[str, str, str], str] = {}
    for page in PAGES:
        for language in TRANSLATED:
            reader = web if page.audience in ("voter", "public", "signin") else admin
            r = await reader.get(page.url(site, language))
            if r.status_code != page.status:
                problems[(page.name, language, "HTTP")] = str(r.status_code)
                continue
            if page.kind == "pdf":
                pdf = PdfReader(io.BytesIO(r.content))
                text = " ".join(" ".join(p.extract_text().split()) for p in pdf.pages)
            else:
                text = VisibleText.of(r.text, language)
            text = without_typed(text, site)
            for word in english_in(text, language, page.name):
                problems.setdefault((page.name, language, word), context_of(text, word))
    report = [f"{p} [{lang}]: {w!r} in …{c}…" for (p, lang, w), c in problems.items()]
    if os.environ.get("BALLOT_WORDS_REPORT"):  # the whole list, for whoever fixes them
        Path(os.environ["BALLOT_WORDS_REPORT"]).write_text("\n".join(report) + "\n")
    assert report == [], "\n".join(report)


async def test_the_committee_language_is_one_choice_kept_across_pages(
    app: Litestar, admin: Web, web: Web, captured_tokens: dict[int, str]
) -> None:
    """``?ui=ko`` once, on any committee page: every committee page after it is in Korean."""
    r = await admin.get("/committee?ui=ko")
    assert "<h1>선거</h1>" in r.text or 'lang="ko"' in r.text
    for path in ("/committee", "/committee/audit", "/committee/accounts", "/committee/account"):
        r = await admin.get(path)
        assert 'lang="ko"' in r.text, path
    r = await admin.get("/committee/accounts?ui=es")
    for path in ("/committee", "/committee/audit"):
        assert 'lang="es"' in (await admin.get(path)).text, path
