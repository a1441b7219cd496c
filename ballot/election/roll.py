"""Checking a voter roll file before any of it is used.

A committee uploads the roll as CSV exported from a membership system.  Every problem is
reported with the line number the committee sees in a spreadsheet or text editor (the
header is line 1), and a file with any problem is not used at all: a roll that is
half-imported is worse than none.  Nothing here touches the database; duplicates against
the roll already stored are checked with :func:`validate_against_existing`.

Columns: ``member_id``, ``name``, ``email``, ``language`` (required); ``unit`` (alias
``local``) and ``challenged`` (optional).  Unknown columns are refused rather than
ignored, so that a misspelt ``challenged`` column cannot silently drop every challenge
(and personal data the vote does not need is not uploaded).

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

from ballot.election.languages import LANGUAGES

REQUIRED = ("member_id", "name", "email", "language")
OPTIONAL = ("unit", "challenged")
ALIASES = {"local": "unit"}

#: Longest accepted value per column (the store's column widths; 254 is SMTP's path limit).
MAX_LENGTH = {"member_id": 64, "name": 200, "email": 254, "unit": 100, "language": 35}

_TRUE = frozenset({"yes", "y", "true", "1"})
_FALSE = frozenset({"no", "n", "false", "0", ""})

# A practical address check (no network): dot-atom local part, a domain with at least two
# labels of letters/digits/hyphens and an alphabetic (or punycode) top-level label.
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: Control characters other than line ends: if the file has none, rows on a single line
#: need not be searched (a quoted field spanning lines is always searched).
_CONTROL_IN_ROW = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")

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


@dataclass(slots=True)  # not frozen: a frozen dataclass costs a second per 260,000 rows
class RollRow:
    member_id: str
    name: str
    email: str  # lower-cased
    language: str  # one of ballot.election.languages.LANGUAGES
    unit: str  # "" when the file has no unit
    challenged: bool
    line: int = 0  # where the row starts in the file


@dataclass(frozen=True)
class RollError:
    line: int
    column: str | None  # None: the problem is with the whole line or file
    message: str


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
    if missing:
        report.errors.append(
            RollError(1, None, "missing required column(s): " + ", ".join(missing))
        )
        bad = True
    return None if bad else columns


def parse_roll(csv_text: str | bytes) -> RollReport:
    """Check a whole roll file; ``report.ok`` only if every line is good.

    ``report.rows`` holds the good rows (all of them when ``ok``).  Handles a UTF-8 BOM,
    CRLF line ends, quoted fields over several lines, and skips blank lines.
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
        _rows(reader, columns, len(header), report, _CONTROL_IN_ROW.search(csv_text) is not None)
    except csv.Error as exc:
        report.errors.append(RollError(reader.line_num, None, f"unreadable CSV: {exc}"))
    return report


class _Reader(Protocol):
    line_num: int

    def __iter__(self) -> Iterator[list[str]]: ...


def _rows(
    reader: _Reader, columns: dict[str, int], width: int, report: RollReport, check_control: bool
) -> None:
    # Hot loop for rolls of hundreds of thousands of members: locals only, one pass.
    errors = report.errors
    add_error = errors.append
    add_row = report.rows.append
    i_member = columns["member_id"]
    i_name = columns["name"]
    i_email = columns["email"]
    i_language = columns["language"]
    i_unit = columns.get("unit")
    i_challenged = columns.get("challenged")
    email_ok = _EMAIL.fullmatch
    control = _CONTROL.search
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
        email = cells[i_email].strip().lower()
        if not (member or name or email) and not "".join(cells).strip():
            continue  # a line of empty cells
        raw_language = cells[i_language]
        unit = cells[i_unit].strip() if i_unit is not None else ""
        flag = cells[i_challenged].strip().lower() if i_challenged is not None else ""
        if raw_language in language_cache:
            language = language_cache[raw_language]
        else:
            language = language_cache[raw_language] = language_code(raw_language)

        if (
            member
            and name
            and email
            and language is not None
            and len(member) <= max_member
            and len(name) <= max_name
            and len(email) <= max_email
            and len(unit) <= max_unit
            and (flag in _FALSE or flag in _TRUE)
            and email_ok(email) is not None
            and ((line_num == line and not check_control) or control(member + name + unit) is None)
        ):
            ok = True  # the common case: no per-field error
        else:
            ok = False
            extend_errors(
                _field_errors(line, member, name, email, raw_language, language, unit, flag)
            )

        members.append(member.casefold())
        emails.append(email)
        lines.append(line)
        if ok:
            add_row(RollRow(member, name, email, language or "", unit, flag in _TRUE, line))

    # Duplicates are found in bulk (C-speed set building); the slow walk only runs if any.
    blank = {""}
    if len(set(members) - blank) + members.count("") != len(members) or len(
        set(emails) - blank
    ) + emails.count("") != len(emails):
        _duplicates(members, emails, lines, report)


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


def _field_errors(
    line: int,
    member: str,
    name: str,
    email: str,
    raw_language: str,
    language: str | None,
    unit: str,
    flag: str,
) -> list[RollError]:
    """Every problem with one row's values (the slow path, taken only for bad rows)."""
    out: list[RollError] = []
    for column, value in (("member_id", member), ("name", name), ("email", email)):
        if not value:
            out.append(RollError(line, column, f"{column} is empty"))
        elif len(value) > MAX_LENGTH[column]:
            out.append(
                RollError(line, column, f"{column} is longer than {MAX_LENGTH[column]} characters")
            )
    if email and len(email) <= MAX_LENGTH["email"] and _EMAIL.fullmatch(email) is None:
        out.append(RollError(line, "email", f"{email!r} is not an email address"))
    if len(unit) > MAX_LENGTH["unit"]:
        out.append(RollError(line, "unit", f"unit is longer than {MAX_LENGTH['unit']} characters"))
    for column, value in (("member_id", member), ("name", name), ("unit", unit)):
        if _CONTROL.search(value):
            out.append(RollError(line, column, f"{column} contains a control character"))
    if language is None:
        out.append(RollError(line, "language", _language_error(raw_language)))
    if flag not in _TRUE and flag not in _FALSE:
        out.append(
            RollError(
                line,
                "challenged",
                f"challenged must be yes/no, true/false, 1/0 or blank, not {flag!r}",
            )
        )
    return out


def validate_against_existing(
    rows: Iterable[RollRow],
    existing_member_ids: Iterable[str],
    existing_emails: Iterable[str],
) -> list[RollError]:
    """Errors for rows that clash with members already on the stored roll (adding to a roll).

    Member ids compare without regard to case and emails lower-cased, as within a file.
    """
    members = {m.casefold() for m in existing_member_ids}
    emails = {e.strip().lower() for e in existing_emails}
    errors: list[RollError] = []
    for row in rows:
        if row.member_id.casefold() in members:
            errors.append(
                RollError(row.line, "member_id", f"member {row.member_id} is already on the roll")
            )
        if row.email in emails:
            errors.append(RollError(row.line, "email", f"{row.email} is already on the roll"))
    return errors
