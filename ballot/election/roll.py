"""Checking a voter roll file before any of it is used.

A committee uploads the roll as CSV exported from a membership system.  Every problem is
reported with the line number the committee sees in a spreadsheet or text editor (the
header is line 1), and a file with any problem is not used at all: a roll that is
half-imported is worse than none.  Nothing here touches the database; duplicates against
the roll already stored are checked with :func:`validate_against_existing`.

Columns: ``member_id``, ``name``, ``language`` (required); ``email`` and ``phone`` (alias
``mobile``; at least one of the two columns, and on every row at least one of the two
values); ``channel`` (``email`` or ``sms``: how invitations go to a member who has both;
blank means e-mail when there is an address, text message otherwise); ``unit`` (alias
``local``) and ``challenged`` (optional).  Unknown columns are refused rather than
ignored, so that a misspelt ``challenged`` column cannot silently drop every challenge
(and personal data the vote does not need is not uploaded).  Phone numbers are stored in
E.164 form (:mod:`ballot.election.phone`), read in a default region when they have no
country code; a number that is not dialable is refused, naming the line.  Members may
share a phone (families do), so phone numbers, unlike addresses, may repeat.

Languages must be ones ballot ships (:data:`ballot.election.languages.LANGUAGES`).  An unknown code is an
error, never a silent fall-back to English: each member must get a ballot entirely in
their own language.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from ballot.election.phone import DEFAULT_REGION, PhoneError, normalise_phone
from ballot.election.roll_checks import (
    CHANNEL_WORDS,
    CONTROL,
    EMAIL,
    FALSE,
    MAX_LENGTH,
    TRUE,
    Fields,
    RollError,
    field_errors,
    language_code,
)

REQUIRED = ("member_id", "name", "language")
#: How a member is reached: a file needs at least one of these columns, a row one value.
CONTACTS = ("email", "phone")
OPTIONAL = ("email", "phone", "channel", "unit", "challenged")
ALIASES = {"local": "unit", "mobile": "phone", "cell": "phone", "e_mail": "email"}
#: How invitations and reminders reach a member (the ``channel`` column).
CHANNELS = ("email", "sms")
#: Control characters other than line ends: if the file has none, rows on a single line
#: need not be searched (a quoted field spanning lines is always searched).
_CONTROL_IN_ROW = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(slots=True)  # not frozen: a frozen dataclass costs a second per 260,000 rows
class RollRow:
    member_id: str
    name: str
    email: str  # lower-cased; "" when the member has none
    language: str  # one of ballot.election.languages.LANGUAGES
    unit: str  # "" when the file has no unit
    challenged: bool
    line: int = 0  # where the row starts in the file
    phone: str = ""  # E.164; "" when the member has none
    channel: str = "email"  # one of CHANNELS, and one the member can be reached by


@dataclass
class RollReport:
    rows: list[RollRow] = field(default_factory=list)
    errors: list[RollError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def lines(self) -> list[int]:
        """Line number of each row, in order (for callers that report against the file)."""
        return [row.line for row in self.rows]


def _header(cells: list[str], report: RollReport) -> dict[str, int] | None:
    """Map canonical column name -> index, or record errors and return None."""
    columns: dict[str, int] = {}
    bad = False
    for index, raw in enumerate(cells):
        name = raw.strip().lower().replace(" ", "_").replace("-", "_")
        name = ALIASES.get(name, name)
        if not name:
            if any(c.strip() for c in cells[index:]):
                report.errors.append(RollError(1, None, f"column {index + 1} has no name"))
                bad = True
            continue
        if name not in REQUIRED and name not in OPTIONAL:
            accepted = ", ".join(REQUIRED + OPTIONAL)
            report.errors.append(
                RollError(1, raw.strip(), f"unknown column {raw.strip()!r} (accepted: {accepted})")
            )
            bad = True
        elif name in columns:
            report.errors.append(RollError(1, name, f"column {name} appears twice"))
            bad = True
        else:
            columns[name] = index
    missing = [name for name in REQUIRED if name not in columns]
    if not any(name in columns for name in CONTACTS):
        missing.append("email or phone")
    if missing:
        report.errors.append(
            RollError(1, None, "missing required column(s): " + ", ".join(missing))
        )
        bad = True
    return None if bad else columns


def parse_roll(csv_text: str | bytes, region: str = DEFAULT_REGION) -> RollReport:
    """Check a whole roll file; ``report.ok`` only if every line is good.

    ``report.rows`` holds the good rows (all of them when ``ok``).  Handles a UTF-8 BOM,
    CRLF line ends, quoted fields over several lines, and skips blank lines.  ``region``:
    where a phone number without a country code is read (``US``, ``KR``...).
    """
    report = RollReport()
    if isinstance(csv_text, bytes):
        raw = csv_text
        try:
            csv_text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            report.errors.append(
                RollError(line, None, "the file is not UTF-8 text (save it as CSV UTF-8)")
            )
            return report
    if csv_text.startswith("\ufeff"):
        csv_text = csv_text[1:]
    reader = csv.reader(io.StringIO(csv_text, newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            report.errors.append(RollError(1, None, "the file is empty or has no header line"))
            return report
        columns = _header(header, report)
        if columns is None:
            return report
        _rows(
            reader,
            columns,
            len(header),
            report,
            _CONTROL_IN_ROW.search(csv_text) is not None,
            region,
        )
    except csv.Error as exc:
        report.errors.append(RollError(reader.line_num, None, f"unreadable CSV: {exc}"))
    return report


class _Reader(Protocol):
    line_num: int

    def __iter__(self) -> Iterator[list[str]]: ...


def _rows(
    reader: _Reader,
    columns: dict[str, int],
    width: int,
    report: RollReport,
    check_control: bool,
    region: str = DEFAULT_REGION,
) -> None:
    # Hot loop for rolls of hundreds of thousands of members: locals only, one pass.
    errors = report.errors
    add_error = errors.append
    add_row = report.rows.append
    i_member = columns["member_id"]
    i_name = columns["name"]
    i_email = columns.get("email")
    i_phone = columns.get("phone")
    i_channel = columns.get("channel")
    i_language = columns["language"]
    i_unit = columns.get("unit")
    i_challenged = columns.get("challenged")
    email_ok = EMAIL.fullmatch
    control = CONTROL.search
    extend_errors = errors.extend
    max_member, max_name, max_email, max_unit = (
        MAX_LENGTH["member_id"],
        MAX_LENGTH["name"],
        MAX_LENGTH["email"],
        MAX_LENGTH["unit"],
    )
    language_cache: dict[str, str | None] = {}
    members: list[str] = []  # casefolded, one per data row (good or bad)
    emails: list[str] = []
    lines: list[int] = []
    line_num = reader.line_num
    for cells in reader:
        line = line_num + 1  # where this record starts (a quoted field may span lines)
        line_num = reader.line_num
        if len(cells) != width:
            if not cells or not "".join(cells).strip():
                continue  # blank line
            if len(cells) > width and not "".join(cells[width:]).strip():
                cells = cells[:width]  # trailing empty cells, as spreadsheets like to add
            else:
                add_error(
                    RollError(line, None, f"has {len(cells)} fields but the header has {width}")
                )
                continue

        member = cells[i_member].strip()
        name = cells[i_name].strip()
        email = cells[i_email].strip().lower() if i_email is not None else ""
        raw_phone = cells[i_phone].strip() if i_phone is not None else ""
        if not (member or name or email or raw_phone) and not "".join(cells).strip():
            continue  # a line of empty cells
        raw_language = cells[i_language]
        unit = cells[i_unit].strip() if i_unit is not None else ""
        flag = cells[i_challenged].strip().lower() if i_challenged is not None else ""
        wanted = cells[i_channel].strip().lower() if i_channel is not None else ""
        if raw_language in language_cache:
            language = language_cache[raw_language]
        else:
            language = language_cache[raw_language] = language_code(raw_language)
        phone = ""
        phone_ok = True
        if raw_phone:
            try:
                phone = normalise_phone(raw_phone, region)
            except PhoneError:
                phone_ok = False
        channel = _channel(wanted, email, phone)

        if (
            member
            and name
            and (email or phone)
            and phone_ok
            and channel is not None
            and language is not None
            and len(member) <= max_member
            and len(name) <= max_name
            and len(email) <= max_email
            and len(unit) <= max_unit
            and (flag in FALSE or flag in TRUE)
            and (not email or email_ok(email) is not None)
            and ((line_num == line and not check_control) or control(member + name + unit) is None)
        ):
            ok = True  # the common case: no per-field error
        else:
            ok = False
            extend_errors(
                field_errors(
                    line,
                    Fields(member, name, email, raw_phone, wanted, raw_language, unit, flag),
                    language,
                    region,
                    i_email is not None,
                    i_phone is not None,
                )
            )

        members.append(member.casefold())
        emails.append(email)
        lines.append(line)
        if ok:
            add_row(
                RollRow(
                    member,
                    name,
                    email,
                    language or "",
                    unit,
                    flag in TRUE,
                    line,
                    phone,
                    channel or "email",
                )
            )

    # Duplicates are found in bulk (C-speed set building); the slow walk only runs if any.
    blank = {""}
    if len(set(members) - blank) + members.count("") != len(members) or len(
        set(emails) - blank
    ) + emails.count("") != len(emails):
        _duplicates(members, emails, lines, report)


def _channel(wanted: str, email: str, phone: str) -> str | None:
    """The channel a member is reached by, or None if the one asked for is not possible.

    Blank: e-mail when there is an address (as before text messages), otherwise SMS.
    """
    if not wanted:
        return "email" if email or not phone else "sms"
    channel = CHANNEL_WORDS.get(wanted)
    if channel == "email" and email:
        return channel
    if channel == "sms" and phone:
        return channel
    return None


def _duplicates(
    members: list[str], emails: list[str], lines: list[int], report: RollReport
) -> None:
    """Report every repeat of a member id or email, naming the line where it first appears."""
    bad: set[int] = set()
    for column, keys, what in (
        ("member_id", members, "member {} is also on line {}"),
        ("email", emails, "{} is also on line {}"),
    ):
        first_line: dict[str, int] = {}
        for key, line in zip(keys, lines, strict=True):
            if not key:
                continue
            first = first_line.setdefault(key, line)
            if first != line:
                bad.add(line)
                report.errors.append(RollError(line, column, what.format(key, first)))
    report.errors.sort(key=lambda error: error.line)  # stable: a line's own order is kept
    report.rows[:] = [row for row in report.rows if row.line not in bad]


def validate_against_existing(
    rows: Iterable[RollRow],
    existing_member_ids: Iterable[str],
    existing_emails: Iterable[str | None],
) -> list[RollError]:
    """Errors for rows that clash with members already on the stored roll (adding to a roll).

    Member ids compare without regard to case and emails lower-cased, as within a file.
    """
    members = {m.casefold() for m in existing_member_ids}
    emails = {e.strip().lower() for e in existing_emails if e}
    errors: list[RollError] = []
    for row in rows:
        if row.member_id.casefold() in members:
            errors.append(
                RollError(row.line, "member_id", f"member {row.member_id} is already on the roll")
            )
        if row.email and row.email in emails:
            errors.append(RollError(row.line, "email", f"{row.email} is already on the roll"))
    return errors
