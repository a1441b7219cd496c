"""An election's time zone, and the committee's wall-clock times read in it.

The committee thinks in local time ("polls close at 5 pm in Los Angeles"); the record
stores UTC.  The form's ``<input type="datetime-local">`` sends a wall-clock time with
no zone, so it is read in the election's IANA zone here, once, and stored as UTC.
A wall-clock time that does not exist (the hour skipped when clocks go forward) is
refused rather than silently moved; one that happens twice (clocks go back) is the
first of the two, as most calendars do.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

DEFAULT_ZONE = "UTC"
#: What ``<input type="datetime-local">`` sends (seconds are optional).
_LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")


class LocalTimeError(ValueError):
    """A wall-clock time that cannot be read in the zone; the message says why."""


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name this machine knows, sorted (the form's choices)."""
    names = {n for n in available_timezones() if "/" in n or n == DEFAULT_ZONE}
    names -= {n for n in names if n.startswith(("Etc/", "SystemV/", "posix/", "right/"))}
    return tuple(sorted(names | {DEFAULT_ZONE}))


def is_zone(name: object) -> bool:
    return isinstance(name, str) and name in zone_names()


def local_to_utc(text: str, zone: str) -> datetime:
    """A ``datetime-local`` value read in ``zone``, as an aware UTC datetime."""
    if not is_zone(zone):
        raise LocalTimeError(f"unknown time zone {zone!r}")
    for fmt in _LOCAL_FORMATS:
        try:
            wall = datetime.strptime(text.strip(), fmt)
            break
        except ValueError:
            continue
    else:
        raise LocalTimeError("not a date and time (use the date and time picker)")
    tz = ZoneInfo(zone)
    moment = wall.replace(tzinfo=tz, fold=0)
    back = moment.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if back != wall:
        raise LocalTimeError(
            f"{wall:%Y-%m-%d %H:%M} does not exist in {zone} (the clocks change that night)"
        )
    return moment.astimezone(UTC)


def utc_to_local(moment: datetime, zone: str) -> datetime:
    """An aware moment as wall-clock time in ``zone`` (UTC when the zone is unknown)."""
    tz = ZoneInfo(zone if is_zone(zone) else DEFAULT_ZONE)
    return moment.astimezone(tz)


def local_input_value(moment: datetime | None, zone: str) -> str:
    """The ``datetime-local`` value that shows ``moment`` in ``zone`` ('' for none)."""
    return "" if moment is None else utc_to_local(moment, zone).strftime("%Y-%m-%dT%H:%M")
