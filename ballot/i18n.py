"""Languages ballot speaks, and the gettext catalogues for its own interface.

Catalogues live as ``ballot/locale/<code>/LC_MESSAGES/messages.po``.  They are
read with Babel and compiled in memory at first use, so there is no build step
and a fresh checkout works as it is.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_skeleton, format_time, get_timezone_location, get_timezone_name
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import BaseLoader, Environment, pass_context
from jinja2.runtime import Context

from ballot.election.identity import DEFAULT_TIME_ZONE, valid_time_zone
from ballot.election.languages import DEFAULT_LANGUAGE as DEFAULT_LANGUAGE
from ballot.election.languages import LANGUAGES as LANGUAGES

LOCALE_DIR = Path(__file__).parent / "locale"


def normalise(code: str | None) -> str:
    """Map 'es-MX', 'zh_Hans', 'KO' ... to one of LANGUAGES, else the default."""
    if not code:
        return DEFAULT_LANGUAGE
    base = code.strip().replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


@lru_cache(maxsize=len(LANGUAGES))
def translations(code: str) -> NullTranslations:
    """The compiled catalogue for a language (English has none: msgids are English)."""
    po = LOCALE_DIR / code / "LC_MESSAGES" / "messages.po"
    if code == DEFAULT_LANGUAGE or not po.exists():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=code if code != "tl" else "fil")
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf)


def gettext(code: str, message: str) -> str:
    return translations(normalise(code)).gettext(message)


def ngettext(code: str, singular: str, plural: str, n: int) -> str:
    return translations(normalise(code)).ngettext(singular, plural, n)


#: Babel locale for each language, for dates and numbers ('tl' data lives under 'fil').
BABEL_LOCALES: dict[str, str] = {
    "en": "en",
    "es": "es",
    "ko": "ko",
    "zh": "zh_Hans_CN",
    "vi": "vi",
    "tl": "fil",
}

#: BCP 47 tag for the ``lang`` attribute of HTML in each language.
HTML_LANG: dict[str, str] = {
    "en": "en",
    "es": "es",
    "ko": "ko",
    "zh": "zh-Hans",
    "vi": "vi",
    "tl": "tl",
}


def _zone(name: str | None) -> tzinfo:
    return ZoneInfo(name) if name and name != "UTC" and valid_time_zone(name) else UTC


def zone_name(moment: datetime, language: str) -> str:
    """The zone's name as a reader of ``language`` knows it at that moment.

    The locale's abbreviation where it has one ("PST", "UTC", "CET"), else the zone's
    long name ("미 태평양 표준시"): an offset like "-0800" means little to most members.
    """
    locale = BABEL_LOCALES.get(normalise(language), "en")
    short = str(get_timezone_name(moment, "short", locale=locale))
    if short.isalpha() and short.isupper():
        return short
    return str(get_timezone_name(moment, "long", locale=locale))


@lru_cache(maxsize=4096)
def zone_label(zone: str | None, language: str = DEFAULT_LANGUAGE) -> str:
    """A time zone as a person names it, in their language: "United States (Los Angeles)
    Time", "미국(로스앤젤레스) 시간"; never the database name "America/Los_Angeles".

    UTC (and an unknown zone, which times fall back to) is "UTC" in every language."""
    if not zone or zone in ("UTC", "Etc/UTC") or not valid_time_zone(zone):
        return "UTC"
    locale = BABEL_LOCALES.get(normalise(language), "en")
    try:
        return str(get_timezone_location(zone, locale=locale))
    except LookupError:  # pragma: no cover - a zone this Babel does not know
        return zone.replace("_", " ")


def format_moment(
    when: datetime | str | None, language: str, zone: str | None = DEFAULT_TIME_ZONE
) -> str:
    """A moment as a person reads it: weekday, date, time and the zone's name, in the
    reader's language and the election's time zone ("Tue, Dec 8, 2026, 5:00 PM PST").

    The one place every page, message and document formats a time: no seconds, no
    microseconds, no ISO text.  ``when`` is an aware datetime or an ISO 8601 text (a board
    time "2026-05-01T09:00:00Z"); ``None`` or "" give "".  A naive datetime is taken as
    UTC (the database's convention).  An unknown zone falls back to UTC, named as such.
    """
    if when is None or when == "":
        return ""
    if isinstance(when, str):
        text = when
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    language = normalise(language)
    locale = Locale.parse(BABEL_LOCALES[language])
    local = when.astimezone(_zone(zone))
    date = format_skeleton("yMMMEd", local, locale=locale)
    time = format_time(local, "short", locale=locale)
    # The locale's own order of date and time ("{1}, {0}" in English, "{0} {1}" in Vietnamese).
    pattern = str(locale.datetime_formats["medium"]).replace("'", "")
    name = zone_name(local, language)
    text = pattern.replace("{1}", date).replace("{0}", time)
    text += f" {name}" if name.isascii() and " " not in name else f" ({name})"
    # CLDR puts a narrow no-break space before AM/PM, which older mail clients show as a
    # box; the ordinary no-break space keeps "9:00 AM" together everywhere.
    return text.replace("\u202f", "\u00a0")


@pass_context
def _moment_filter(context: Context, when: Any, zone: str | None = None) -> str:
    """``{{ when | moment }}``: in the page's ``lang`` and its ``time_zone`` (else UTC)."""
    return format_moment(
        when, str(context.get("lang") or DEFAULT_LANGUAGE), zone or context.get("time_zone")
    )


def install_filters(env: Environment) -> None:
    """The filters every template may use: ``moment`` (see :func:`format_moment`)."""
    env.filters["moment"] = _moment_filter


def jinja_env_for(language: str, loader: BaseLoader, **options: Any) -> Environment:
    """A Jinja2 Environment speaking one language through ``_()``, ``gettext``, ``ngettext``.

    One environment per language (callers cache it) rather than switching catalogues per
    render, so a page can never come out in two languages at once.  New-style gettext
    is installed: ``_("Choose up to %(max)s", max=n)`` formats and escapes in one step.
    """
    extensions = list(options.pop("extensions", []))
    if "jinja2.ext.i18n" not in extensions:
        extensions.append("jinja2.ext.i18n")
    env = Environment(loader=loader, extensions=extensions, **options)  # noqa: S701
    install_filters(env)
    env.install_gettext_translations(  # type: ignore[attr-defined]
        translations(normalise(language)), newstyle=True
    )
    return env
