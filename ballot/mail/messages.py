"""The emails members receive, rendered entirely in the member's own language.

Fixed wording comes from the gettext catalogues (``ballot/locale``); the election's own
title comes from the database, already in the member's language, and arrives here as
a plain string.  Each message has a plain-text body and a simple, accessible HTML
alternative (one column, real headings, underlined links, the link also shown as
text); everything inserted into the HTML is escaped.

A reminder says only that the member has not voted yet, the link and the closing time:
the committee must not be able to slip campaigning into a reminder, so the renderer
offers no place to put it.  Every message is signed with the committee's name and
contact from the election's definition (``committee``, bound into the manifest like the
ballot itself), in the member's language, or "the election committee" translated when
the definition names none; times are in the election's time zone, with its name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ballot.election.identity import DEFAULT_TIME_ZONE, Committee
from ballot.i18n import HTML_LANG, format_moment, gettext, jinja_env_for, normalise

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=16)
def _env(language: str) -> Environment:
    return jinja_env_for(
        language,
        FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def format_when(
    language: str, when: datetime | str | None, time_zone: str = DEFAULT_TIME_ZONE
) -> str:
    """A time as members read it: localized date and time in the election's time zone,
    with the zone's name (:func:`ballot.i18n.format_moment`).

    Strings are taken as already formatted by the caller.
    """
    if when is None:
        return ""
    if isinstance(when, str):
        return when
    if when.tzinfo is None:
        raise ValueError("naive datetime given; pass aware UTC times")
    return format_moment(when, language, time_zone)


def signature(language: str, committee: Committee | None, organisation: str | None) -> str:
    """Who a message is from, in the member's language."""
    name = committee.name_in(language) if committee is not None else ""
    return _one_line(
        name or organisation or gettext(language, "the election committee"), "organisation"
    )


def _contact(committee: Committee | None) -> dict[str, str]:
    return {
        "committee_email": committee.email if committee is not None else "",
        "committee_phone": committee.phone if committee is not None else "",
    }


def _check_link(link: str) -> str:
    # The link goes into an href: only a web address may be there, never javascript: etc.
    if not link.startswith(("https://", "http://")) or any(c.isspace() for c in link):
        raise ValueError("the voting link must be an http(s) address without spaces")
    return link


def _one_line(text: str, what: str) -> str:
    text = " ".join(str(text).split())
    if not text:
        raise ValueError(f"{what} must not be empty")
    return text


def _render(language: str, name: str, subject: str, **context: object) -> RenderedMessage:
    env = _env(language)
    context = {**context, "subject": subject, "html_lang": HTML_LANG[language]}
    text = env.get_template(f"{name}.txt").render(context)
    html = env.get_template(f"{name}.html").render(context)
    return RenderedMessage(subject=subject, text=text, html=html)


def render_invitation(
    language: str,
    *,
    election_title: str,
    opens_at: datetime | str | None,
    closes_at: datetime | str,
    link: str,
    organisation: str | None = None,
    help_contact: str | None = None,
    committee: Committee | None = None,
    time_zone: str = DEFAULT_TIME_ZONE,
    alias: str | None = None,
    alias_lookup: str | None = None,
    fingerprint: str | None = None,
    revoting: bool = False,
    ranked: bool = False,
    test: bool = False,
) -> RenderedMessage:
    """The invitation to vote: what, when, the personal one-time link, privacy, help.

    ``revoting``: the election lets members vote again until close (only the last ballot
    counts), so the link is not "one-time" and the message says so.  ``ranked``: the
    election has a ranked race, whose rankings are decrypted one by one after the mix-net,
    so the privacy sentence cannot say that only totals are ever decrypted.

    ``alias`` (protocol v2): the member's alias on the public board, with ``alias_lookup``,
    the page where they can see whether a ballot was cast in their name.  ``fingerprint``:
    the election's, grouped for reading, to compare with the public pages.  ``test``: the
    committee's test message, marked as such in its subject and first lines (its link and
    alias are examples that open nothing).
    """
    language = normalise(language)
    title = _one_line(election_title, "election_title")
    subject = gettext(language, "Your ballot: %(title)s") % {"title": title}
    if test:
        subject = gettext(language, "[Test] %(subject)s") % {"subject": subject}
    return _render(
        language,
        "invitation",
        subject,
        election_title=title,
        opens_at=format_when(language, opens_at, time_zone),
        closes_at=format_when(language, closes_at, time_zone),
        link=_check_link(link),
        organisation=signature(language, committee, organisation),
        help_contact=help_contact,
        **_contact(committee),
        alias=_one_line(alias, "alias") if alias is not None else None,
        alias_lookup=_check_link(alias_lookup) if alias_lookup is not None else None,
        fingerprint=_one_line(fingerprint, "fingerprint") if fingerprint is not None else None,
        revoting=revoting,
        ranked=ranked,
        test=test,
    )


def render_reminder(
    language: str,
    *,
    election_title: str,
    closes_at: datetime | str,
    link: str,
    opens_at: object = None,
    organisation: str | None = None,
    committee: Committee | None = None,
    time_zone: str = DEFAULT_TIME_ZONE,
) -> RenderedMessage:
    """A reminder: "you have not voted yet", the link and the closing time, and who sent it.

    ``opens_at`` is accepted so callers can pass the invitation's arguments unchanged, and
    deliberately not shown.  ``organisation`` is shown only when the definition names no
    committee (its name is bound to the election, so it cannot carry a campaign message
    that the members' ballots do not also show).
    """
    del opens_at
    language = normalise(language)
    title = _one_line(election_title, "election_title")
    subject = gettext(language, "Reminder: you have not voted yet (%(title)s)") % {"title": title}
    return _render(
        language,
        "reminder",
        subject,
        election_title=title,
        closes_at=format_when(language, closes_at, time_zone),
        link=_check_link(link),
        organisation=signature(language, committee, None),
        **_contact(committee),
    )


def render_test(
    language: str, *, organisation: str | None = None, committee: Committee | None = None
) -> RenderedMessage:
    """A message the committee sends itself to check the mail settings before a vote."""
    language = normalise(language)
    subject = gettext(language, "Test message from ballot")
    return _render(
        language,
        "test",
        subject,
        organisation=signature(language, committee, organisation),
        **_contact(committee),
    )
