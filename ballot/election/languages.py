"""The languages ballot ships, by code, with each language's own name for itself.

A rule of the domain (a roll row's language must be one of these), kept apart from the
catalogues and templates of :mod:`ballot.i18n`, which only the server needs.
"""

from __future__ import annotations

from typing import Final

LANGUAGES: Final[dict[str, str]] = {
    "en": "English",
    "es": "Español",
    "ko": "한국어",
    "zh": "简体中文",
    "vi": "Tiếng Việt",
    "tl": "Tagalog",
}
DEFAULT_LANGUAGE: Final = "en"
