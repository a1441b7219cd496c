"""Temporary stand-in for ballot.election.roll.parse_roll (removed when it lands)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from ballot.i18n import LANGUAGES


@dataclass
class RollRow:
    member_id: str
    name: str
    email: str
    language: str
    unit: str
    challenged: bool


@dataclass
class RollError:
    line: int
    column: str
    message: str


@dataclass
class RollReport:
    rows: list[RollRow] = field(default_factory=list)
    errors: list[RollError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_roll(csv_text: str) -> RollReport:
    report = RollReport()
    reader = csv.DictReader(io.StringIO(csv_text))
    members: set[str] = set()
    emails: set[str] = set()
    for row in reader:
        line = reader.line_num
        member = (row.get("member_id") or "").strip()
        email = (row.get("email") or "").strip().lower()
        language = (row.get("language") or "en").strip().lower()
        if not member:
            report.errors.append(RollError(line, "member_id", "missing"))
        elif member in members:
            report.errors.append(RollError(line, "member_id", "duplicate member id"))
        if "@" not in email:
            report.errors.append(RollError(line, "email", "not an email address"))
        elif email in emails:
            report.errors.append(RollError(line, "email", "duplicate email"))
        if language not in LANGUAGES:
            report.errors.append(RollError(line, "language", "unknown language"))
        members.add(member)
        emails.add(email)
        report.rows.append(
            RollRow(
                member,
                (row.get("name") or "").strip(),
                email,
                language,
                (row.get("unit") or "").strip(),
                (row.get("challenged") or "").strip().lower() in {"1", "yes", "true", "y"},
            )
        )
    return report
