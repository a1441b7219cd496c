"""Members' phone numbers, as a roll file gives them and as a text-message gateway needs them.

Membership systems export numbers the way people write them ("(415) 555-2671",
"010-1234-5678", "+84 91 234 56 78").  A gateway needs one form, E.164 ("+14155552671"),
and a number that cannot be dialled must be caught at import, naming the line, not found
when the invitation bounces on opening day.  Parsing and validity come from Google's
libphonenumber metadata (the ``phonenumbers`` package), kept current with each country's
numbering plan: numbers without a country code are read in the election's (or the
deployment's) default region, e.g. ``US``.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

#: The region a number without a country code is read in, unless the deployment says otherwise.
DEFAULT_REGION = "US"
#: Longest raw entry accepted (spaces, dashes and an extension included).
MAX_RAW_LENGTH = 32
#: E.164: a plus sign and at most 15 digits, the first not zero.
E164 = re.compile(r"\+[1-9][0-9]{6,14}")


class PhoneError(ValueError):
    """A roll entry that is not a dialable phone number; the message says why."""


def is_region(code: str) -> bool:
    """Is ``code`` a region libphonenumber knows ("US", "KR", "VN")?"""
    return code.upper() in phonenumbers.SUPPORTED_REGIONS


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """``raw`` in E.164 form, or PhoneError saying what is wrong with it.

    A number is accepted only if the numbering plan of its country has it (valid, not
    merely of a possible length): a digit too many or too few is a typo to fix now.
    """
    text = raw.strip()
    if len(text) > MAX_RAW_LENGTH:
        raise PhoneError(f"phone is longer than {MAX_RAW_LENGTH} characters")
    try:
        number = phonenumbers.parse(text, region.upper())
    except NumberParseException:
        raise PhoneError(f"{text!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(
            f"{text!r} is not a valid phone number"
            + ("" if text.startswith("+") else f" in region {region.upper()} (add +country code)")
        )
    return str(phonenumbers.format_number(number, PhoneNumberFormat.E164))


def is_e164(text: str) -> bool:
    return E164.fullmatch(text) is not None
