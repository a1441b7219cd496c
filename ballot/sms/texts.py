"""The text messages members receive: an invitation and a reminder, short, in their language.

A text message carries only what a member needs to act: who sends it (the committee), the
election's name, when voting closes (in the election's time zone, written compactly), and
the member's own link, last, so that phones make all of it a link.  A reminder, like the
e-mail one, carries nothing else: there is no place for campaigning.

**Budget.**  Every invitation and reminder fits at most :data:`BUDGET` parts: 2 parts of
GSM-7 (306 characters) or 3 parts of UCS-2 (201 code units) (:mod:`ballot.sms.segments`).
The fixed wording of each language is written to leave room for a 70-character link and
a 40-character committee name; a longer election name (and then committee name) is
shortened, with "...", until the text fits.  Typographic spaces and quotes that would
force UCS-2 on a Latin-script text are replaced by their plain forms, and the Spanish and
Tagalog wording avoids letters outside GSM-7 (á, í, ó, ú), so those texts stay GSM-7
unless the election's own name needs more.  Korean, Chinese and Vietnamese are UCS-2.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_skeleton, format_time

from ballot.i18n import BABEL_LOCALES, gettext, normalise
from ballot.sms.segments import Encoding, plain_punctuation, segments

#: Most parts a member's text message may take, by encoding.
BUDGET = {Encoding.GSM7: 2, Encoding.UCS2: 3}
#: Shortest an election or committee name is cut to before giving up on the budget.
MIN_NAME = 12
#: A committee name longer than this is cut before anything else is tried.
MAX_COMMITTEE = 40
ELLIPSIS = "..."


def _(message: str) -> str:
    """Marks a message for extraction; translated per member with :func:`gettext`."""
    return message


INVITATION = _(
    '%(committee)s: vote in "%(title)s" by %(closes)s. Your own link, do not share it: %(link)s'
)
REMINDER = _(
    '%(committee)s: you have not voted yet in "%(title)s". '
    "Voting closes %(closes)s. Your new link: %(link)s"
)


def short_moment(when: datetime, language: str, zone: str) -> str:
    """A closing time as a text message writes it: day, month, time and zone, no year or
    weekday ("May 8, 5:00 PM PDT", "5월 8일 오후 5:00 PDT").

    The zone is its abbreviation when it has a letters-only one (PDT, KST), else its
    offset from UTC ("UTC+7"): the long localized names would take a third of a part.
    """
    locale = Locale.parse(BABEL_LOCALES[normalise(language)])
    local = when.astimezone(ZoneInfo(zone))
    date = format_skeleton("MMMd", local, locale=locale)
    time = format_time(local, "short", locale=locale)
    pattern = str(locale.datetime_formats["short"]).replace("'", "")
    abbreviation = local.tzname() or "UTC"
    if not abbreviation.isalpha():
        offset = local.utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset is not None else 0
        sign = "+" if minutes >= 0 else "-"
        hours, rest = divmod(abs(minutes), 60)
        abbreviation = f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
    text = pattern.replace("{1}", date).replace("{0}", time) + " " + abbreviation
    return plain_punctuation(text)


def within_budget(text: str) -> bool:
    counted = segments(text)
    return counted.count <= BUDGET[counted.encoding]


def _cut(text: str, length: int) -> str:
    return text if len(text) <= length else text[: max(1, length - len(ELLIPSIS))] + ELLIPSIS


def _fit(build: Callable[[str, str], str], title: str, committee: str) -> str:
    """The text with the names as long as the budget allows (the title gives way first)."""
    committee = _cut(committee, MAX_COMMITTEE)
    text = build(title, committee)
    for length in range(len(title) - 1, MIN_NAME - 1, -1):
        if within_budget(text):
            return text
        text = build(_cut(title, length), committee)
    short_title = _cut(title, MIN_NAME)
    for length in range(len(committee) - 1, MIN_NAME - 1, -1):
        if within_budget(text):
            return text
        text = build(short_title, _cut(committee, length))
    return text  # a base address too long for any budget: documented (OPERATIONS)


def _render(
    message: str, language: str, *, title: str, committee: str, closes: str, link: str
) -> str:
    if not link.startswith(("https://", "http://")) or any(c.isspace() for c in link):
        raise ValueError("the voting link must be an http(s) address without spaces")
    template = gettext(language, message)

    def build(title_: str, committee_: str) -> str:
        return plain_punctuation(
            template
            % {
                "committee": " ".join(committee_.split()),
                "title": " ".join(title_.split()),
                "closes": closes,
                "link": link,
            }
        )

    return _fit(build, " ".join(title.split()), " ".join(committee.split()))


def render_sms_invitation(
    language: str,
    *,
    election_title: str,
    closes_at: datetime,
    link: str,
    committee: str,
    time_zone: str = "UTC",
) -> str:
    """The invitation text: committee, election, closing time, the member's link."""
    language = normalise(language)
    return _render(
        INVITATION,
        language,
        title=election_title,
        committee=committee,
        closes=short_moment(closes_at, language, time_zone),
        link=link,
    )


def render_sms_reminder(
    language: str,
    *,
    election_title: str,
    closes_at: datetime,
    link: str,
    committee: str,
    time_zone: str = "UTC",
) -> str:
    """The reminder text: not voted yet, closing time, the member's new link."""
    language = normalise(language)
    return _render(
        REMINDER,
        language,
        title=election_title,
        committee=committee,
        closes=short_moment(closes_at, language, time_zone),
        link=link,
    )
