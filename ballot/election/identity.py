"""Who runs an election and where it happens: the committee's identity and the time zone.

Two definition keys (protocol v2, bound into the manifest hash like the rest of the
definition, so a committee cannot quietly change the name members see on their ballot):

``time_zone``
    An IANA zone name ("America/Los_Angeles").  Every time a person is shown is given in
    this zone, with the zone's name: members read "17:00 PST", not an offset or UTC.
``committee``
    ``{"name": {lang: text}, "email": str, "phone": str, "reply_to": str}``: the name
    members see in their own language, how to reach the committee, and the address replies
    to election mail go to.

Definitions written before these keys existed, or read before the committee set them,
get the defaults: UTC, and no name (messages and pages then say "the election committee"
in the reader's language).  Reading never fails: a value that cannot be used is treated
as missing, because a page must still be shown; the definition form is where a bad value
is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT_TIME_ZONE: Final = "UTC"


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def valid_time_zone(name: object) -> bool:
    """An IANA zone this machine knows (case as written: "America/New_York")."""
    if not isinstance(name, str) or not name or name != name.strip():
        return False
    if name == DEFAULT_TIME_ZONE:
        return True
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    # ZoneInfo also opens file paths such as "posix/Europe/Paris"; keep to the IANA names.
    return name in _zone_names()


def time_zone_of(definition: Mapping[str, Any] | None) -> str:
    """The definition's ``time_zone``, or UTC when it has none (or one this machine lacks)."""
    name = (definition or {}).get("time_zone")
    return name if isinstance(name, str) and valid_time_zone(name) else DEFAULT_TIME_ZONE


def _one_line(value: object) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _address(value: object) -> str:
    """An email address fit for a header (one ASCII address, no line breaks), else ""."""
    text = _one_line(value)
    if not text.isascii() or "@" not in text or any(c in text for c in " <>,;\"'"):
        return ""
    return text


@dataclass(frozen=True)
class Committee:
    """The committee's identity as the definition states it (empty fields: not given)."""

    names: dict[str, str] = field(default_factory=dict)
    email: str = ""
    phone: str = ""
    reply_to: str = ""

    def name_in(self, language: str) -> str:
        """The name in ``language``; else English, else the first one given; else ""."""
        return (
            self.names.get(language) or self.names.get("en") or next(iter(self.names.values()), "")
        )

    @property
    def has_contact(self) -> bool:
        return bool(self.email or self.phone)


def committee_of(definition: Mapping[str, Any] | None) -> Committee:
    """The definition's ``committee``, with every unusable part left out."""
    raw = (definition or {}).get("committee")
    if not isinstance(raw, Mapping):
        return Committee()
    names_raw = raw.get("name")
    if isinstance(names_raw, str):
        names_raw = {"en": names_raw}
    names = (
        {str(k): _one_line(v) for k, v in names_raw.items() if _one_line(v)}
        if isinstance(names_raw, Mapping)
        else {}
    )
    return Committee(
        names=names,
        email=_address(raw.get("email")),
        phone=_one_line(raw.get("phone"))[:64],
        reply_to=_address(raw.get("reply_to")),
    )
