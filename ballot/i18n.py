"""Languages ballot speaks, and the gettext catalogues for its own interface.

Catalogues live as ``ballot/locale/<code>/LC_MESSAGES/messages.po``.  They are
read with Babel and compiled in memory at first use, so there is no build step
and a fresh checkout works as it is.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import BaseLoader, Environment

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
    env.install_gettext_translations(  # type: ignore[attr-defined]
        translations(normalise(language)), newstyle=True
    )
    return env
