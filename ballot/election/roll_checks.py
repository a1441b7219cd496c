"""The per-value checks of a roll file, and the words for what is wrong with a value.

:mod:`ballot.election.roll` runs the fast path over every row; only a row that fails it
comes here (:func:`field_errors`), to have every one of its problems named by column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ballot.election.languages import LANGUAGES
from ballot.election.phone import MAX_RAW_LENGTH, PhoneError, normalise_phone

CHANNEL_WORDS = {
    "email": "email",
    "e-mail": "email",
    "mail": "email",
    "sms": "sms",
    "text": "sms",
    "phone": "sms",
}

#: Longest accepted value per column (the store's column widths; 254 is SMTP's path limit).
MAX_LENGTH = {
    "member_id": 64,
    "name": 200,
    "email": 254,
    "unit": 100,
    "language": 35,
    "phone": MAX_RAW_LENGTH,
}

TRUE = frozenset({"yes", "y", "true", "1"})
FALSE = frozenset({"no", "n", "false", "0", ""})

# A practical address check (no network): dot-atom local part, a domain with at least two
# labels of letters/digits/hyphens and an alphabetic (or punycode) top-level label.
EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})"
)
CONTROL = re.compile(r"[\x00-\x1f\x7f]")

#: Language names as membership systems export them, in English and in the language.
_LANGUAGE_NAMES = {
    "english": "en",
    "spanish": "es",
    "español": "es",
    "espanol": "es",
    "korean": "ko",
    "한국어": "ko",
    "chinese": "zh",
    "simplified chinese": "zh",
    "chinese (simplified)": "zh",
    "简体中文": "zh",
    "中文": "zh",
    "vietnamese": "vi",
    "tiếng việt": "vi",
    "tieng viet": "vi",
    "tagalog": "tl",
    "filipino": "tl",
    "fil": "tl",
}
#: Codes that would be *mapped* to a shipped language but mean a different written form.
_NOT_THE_SAME = {
    "zh-tw": "Traditional Chinese",
    "zh-hk": "Traditional Chinese",
    "zh-mo": "Traditional Chinese",
    "zh-hant": "Traditional Chinese",
}


def language_code(value: str) -> str | None:
    """The shipped language a roll entry names ("es-MX", "Spanish", "KO"), or None."""
    text = value.strip().lower()
    if not text or text.replace("_", "-") in _NOT_THE_SAME:
        return None
    if text in _LANGUAGE_NAMES:
        return _LANGUAGE_NAMES[text]
    tag = text.replace("_", "-")
    if tag.startswith("zh-") and ("hant" in tag.split("-")):
        return None
    base = tag.split("-")[0]
    if base == "fil":
        return "tl"
    return base if base in LANGUAGES else None


def _language_error(value: str) -> str:
    shown = value.strip()
    if not shown:
        return "language is empty"
    written = _NOT_THE_SAME.get(shown.lower().replace("_", "-"))
    if written or "hant" in shown.lower():
        return (
            f"{shown!r} is Traditional Chinese, which ballot does not offer "
            "(only Simplified Chinese, zh); check with the member before changing it"
        )
    codes = ", ".join(LANGUAGES)
    return f"unknown language {shown!r}: use one of {codes}"


@dataclass(frozen=True)
class RollError:
    line: int
    column: str | None  # None: the problem is with the whole line or file
    message: str


@dataclass(frozen=True)
class Fields:
    """One row's raw values, for the slow path that names every problem."""

    member: str
    name: str
    email: str
    phone: str
    channel: str
    language: str
    unit: str
    flag: str


def field_errors(
    line: int,
    row: Fields,
    language: str | None,
    region: str,
    has_email: bool,
    has_phone: bool,
) -> list[RollError]:
    """Every problem with one row's values (the slow path, taken only for bad rows)."""
    out: list[RollError] = []
    for column, value in (("member_id", row.member), ("name", row.name)):
        if not value:
            out.append(RollError(line, column, f"{column} is empty"))
        elif len(value) > MAX_LENGTH[column]:
            out.append(
                RollError(line, column, f"{column} is longer than {MAX_LENGTH[column]} characters")
            )
    email = row.email
    if not email and not row.phone:
        if has_phone and has_email:
            out.append(
                RollError(
                    line,
                    None,
                    "has neither an email address nor a phone number: give at least one",
                )
            )
        else:
            column = "email" if has_email else "phone"
            out.append(RollError(line, column, f"{column} is empty"))
    if len(email) > MAX_LENGTH["email"]:
        out.append(
            RollError(line, "email", f"email is longer than {MAX_LENGTH['email']} characters")
        )
    elif email and EMAIL.fullmatch(email) is None:
        out.append(RollError(line, "email", f"{email!r} is not an email address"))
    if row.phone:
        try:
            normalise_phone(row.phone, region)
        except PhoneError as exc:
            out.append(RollError(line, "phone", str(exc)))
    if row.channel and (email or row.phone):
        wanted = CHANNEL_WORDS.get(row.channel)
        if wanted is None:
            out.append(
                RollError(line, "channel", f"channel must be email or sms, not {row.channel!r}")
            )
        elif wanted == "email" and not email:
            out.append(RollError(line, "channel", "channel is email but there is no email address"))
        elif wanted == "sms" and not row.phone:
            out.append(RollError(line, "channel", "channel is sms but there is no phone number"))
    if len(row.unit) > MAX_LENGTH["unit"]:
        out.append(RollError(line, "unit", f"unit is longer than {MAX_LENGTH['unit']} characters"))
    for column, value in (("member_id", row.member), ("name", row.name), ("unit", row.unit)):
        if CONTROL.search(value):
            out.append(RollError(line, column, f"{column} contains a control character"))
    if language is None:
        out.append(RollError(line, "language", _language_error(row.language)))
    if row.flag not in TRUE and row.flag not in FALSE:
        out.append(
            RollError(
                line,
                "challenged",
                f"challenged must be yes/no, true/false, 1/0 or blank, not {row.flag!r}",
            )
        )
    return out
