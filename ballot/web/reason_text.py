"""An outcome's reasons as sentences in the page's language, for every page that shows them.

The words come from :mod:`ballot.election.reason_words` (one renderer for the pages and
``ballot verify``), translated here with the page's catalogue.  A protocol v2 result
publishes its reasons as codes, which every language can word; a v1 result published
English sentences, which are shown as they are unless the page has the same reasons as
codes (recomputed from the counts, when they agree with what the board states).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ballot.election.reason_words import read_reasons, sentences
from ballot.election.reasons import Reason
from ballot.i18n import translations

__all__ = ["published_reason_lines", "reason_lines"]


def reason_lines(
    reasons: Iterable[Reason], language: str, label: Callable[[str], str] = str
) -> list[str]:
    """Reasons in ``language``, option ids put in words by ``label``."""
    catalogue = translations(language)
    return sentences(reasons, catalogue.gettext, catalogue.ngettext, label)


def published_reason_lines(
    published: object,
    language: str,
    label: Callable[[str], str] = str,
    recomputed: Iterable[Reason] | None = None,
) -> list[str]:
    """The reasons a result states: codes in words; else ``recomputed`` (the same reasons
    as codes, when the page has them); else a v1 result's English sentences as they are."""
    codes = read_reasons(published)
    if codes is not None:
        return reason_lines(codes, language, label)
    if recomputed is not None:
        return reason_lines(recomputed, language, label)
    if isinstance(published, list):
        return [line for line in published if isinstance(line, str)]
    return []
