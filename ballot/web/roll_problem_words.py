"""A roll file's problems in the page's language.

The roll's rules (``ballot/election/roll.py``) name each problem in English, for the
command line and the API; the committee pages show it in the reader's language.  Each
English form is matched here and said again through gettext with the same values (a
member number, a line, the codes to use); a form not listed is shown as it is, and
``tests/web/test_roll_problem_words.py`` fails until it is listed.
"""

from __future__ import annotations

import re
from collections.abc import Callable


def _(message: str) -> str:
    """Marks a message for extraction; translated in :func:`problem_text`."""
    return message


#: (the English form, as a pattern; what the reader sees).  First match wins.
FORMS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), m)
    for p, m in (
        (r"^language is empty$", _("Empty: give the member's language.")),
        (r"^\w+ is empty$", _("Empty: it must be filled in.")),
        (r"^\w+ is longer than (?P<n>\d+) characters$", _("Longer than %(n)s characters.")),
        (r"^(?P<value>.+) is not an email address$", _("%(value)s is not an e-mail address.")),
        (
            r"^\w+ contains a control character$",
            _("It contains an invisible control character: type it again."),
        ),
        (
            r"^(?P<value>.+) is Traditional Chinese, which ballot does not offer .*$",
            _(
                "%(value)s is Traditional Chinese, which is not offered (only Simplified "
                "Chinese, zh): check with the member before changing it."
            ),
        ),
        (
            r"^unknown language (?P<value>.+): use one of (?P<codes>.+)$",
            _("Unknown language %(value)s: use one of %(codes)s."),
        ),
        (
            r"^challenged must be yes/no, true/false, 1/0 or blank, not (?P<value>.+)$",
            _("It must be yes or no (or true/false, 1/0, or empty), not %(value)s."),
        ),
        (
            r"^member (?P<value>.+) is also on line (?P<n>\d+)$",
            _("Member number %(value)s is also on line %(n)s."),
        ),
        (r"^(?P<value>.+) is also on line (?P<n>\d+)$", _("%(value)s is also on line %(n)s.")),
        (
            r"^member (?P<value>.+) is already on the roll$",
            _("Member number %(value)s is already on the roll."),
        ),
        (r"^(?P<value>.+) is already on the roll$", _("%(value)s is already on the roll.")),
        (
            r"^has (?P<n>\d+) fields but the header has (?P<m>\d+)$",
            _("This line has %(n)s fields, but the first line has %(m)s."),
        ),
        (r"^column (?P<n>\d+) has no name$", _("Column %(n)s has no name.")),
        (
            r"^unknown column (?P<value>.+) \(accepted: (?P<codes>.+)\)$",
            _("Unknown column %(value)s (accepted: %(codes)s)."),
        ),
        (r"^column (?P<value>.+) appears twice$", _("Column %(value)s appears twice.")),
        (
            r"^missing required column\(s\): (?P<codes>.+)$",
            _("Columns missing from the first line: %(codes)s."),
        ),
        (
            r"^the file is not UTF-8 text \(save it as CSV UTF-8\)$",
            _("The file is not UTF-8 text: save it as “CSV UTF-8”."),
        ),
        (
            r"^the file is empty or has no header line$",
            _("The file is empty, or has no first line with the column names."),
        ),
        (r"^unreadable CSV: (?P<value>.+)$", _("The CSV file cannot be read: %(value)s")),
    )
]


def problem_text(message: str, gettext: Callable[[str], str]) -> str:
    """A roll problem in the reader's language (as it is, if its form is not known)."""
    for pattern, words in FORMS:
        found = pattern.match(message)
        if found:
            return gettext(words) % found.groupdict()
    return message
