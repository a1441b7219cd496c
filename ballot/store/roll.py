"""The voter roll of one election: CSV import (all or nothing), edits, freezing.

Row-level checks (columns, email syntax, language, duplicates inside the file) are the
election layer's :func:`ballot.election.roll.parse_roll`; this module adds the checks
that need the database (duplicates against the existing roll) and writes the rows in
bulk (COPY on PostgreSQL, see :mod:`ballot.store.bulk`), so a 260,000-member roll
imports in seconds.  Nothing is written unless every row passed every check.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.election.phone import DEFAULT_REGION
from ballot.election.roll import parse_roll, validate_against_existing
from ballot.record.aliases import new_aliases
from ballot.store.bulk import insert_rows
from ballot.store.models import Election, Voter

#: The columns an import writes, in the order of the rows given to the bulk insert.
IMPORTED = (
    "election_id",
    "member_id",
    "name",
    "email",
    "language",
    "unit",
    "challenged",
    "alias",
    "phone",
    "channel",
)


@dataclass(frozen=True)
class RowProblem:
    line: int
    column: str | None  # None: the whole line or file
    message: str


@dataclass
class RollImport:
    imported: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def import_roll(
    session: AsyncSession, election_id: str, csv_text: str, region: str = DEFAULT_REGION
) -> RollImport:
    """Add every row of ``csv_text`` to the roll, or none if any row is bad.

    ``region``: where a phone number without a country code is read (the deployment's
    ``phone_region``)."""
    report = parse_roll(csv_text, region)
    problems = [RowProblem(e.line, e.column, e.message) for e in report.errors]
    if problems:
        return RollImport(0, problems)
    clashes = validate_against_existing(
        report.rows,
        await session.scalars(select(Voter.member_id).where(Voter.election_id == election_id)),
        await session.scalars(
            select(Voter.email).where(Voter.election_id == election_id, Voter.email.is_not(None))
        ),
    )
    problems = [RowProblem(e.line, e.column, e.message) for e in clashes]
    if problems:
        return RollImport(0, problems)
    aliases = await _aliases_for(session, election_id, len(report.rows))
    imported = await insert_rows(
        session,
        Voter,
        IMPORTED,
        (
            (
                election_id,
                row.member_id,
                row.name,
                row.email.lower() or None,
                row.language,
                row.unit or "",
                bool(row.challenged),
                alias,
                row.phone or None,
                row.channel,
            )
            for row, alias in zip(report.rows, aliases, strict=True)
        ),
    )
    return RollImport(imported, [])


async def _aliases_for(session: AsyncSession, election_id: str, count: int) -> list[str | None]:
    """Each new member's alias (PROTOCOL 11.8), drawn as they are put on the roll of an
    election whose board commits its roll (one bound to the board key): written in the
    import's own bulk insert, so opening a large vote need not update every row."""
    bound = await session.scalar(select(Election.board_key).where(Election.id == election_id))
    if bound is None:
        return [None] * count
    taken = await session.scalars(
        select(Voter.alias).where(Voter.election_id == election_id, Voter.alias.is_not(None))
    )
    return list(new_aliases(count, {a for a in taken if a is not None}))


EDITABLE_FIELDS = ("name", "email", "phone", "channel", "language", "unit", "challenged")


def _csv_cell(value: object) -> str:
    text = str(value)
    return '"' + text.replace('"', '""') + '"'


async def update_voter(
    session: AsyncSession,
    voter: Voter,
    changes: dict[str, object],
    region: str = DEFAULT_REGION,
) -> list[RowProblem]:
    """Correct one member's entry; the same checks as an import (the row is re-parsed).

    Returns the problems (nothing is changed if there are any).  A phone number is
    stored in E.164 form, read in ``region`` when it has no country code.
    """
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        return [RowProblem(0, k, "cannot be changed here") for k in unknown]
    current: dict[str, object] = {
        "member_id": voter.member_id,
        "name": voter.name,
        "email": voter.email or "",
        "phone": voter.phone or "",
        "channel": voter.channel,
        "language": voter.language,
        "unit": voter.unit,
        "challenged": "yes" if voter.challenged else "",
    }
    for key, value in changes.items():
        current[key] = ("yes" if value else "") if key == "challenged" else value
    if "channel" not in changes and not (current["email"] and current["phone"]):
        current["channel"] = ""  # the only way left to reach the member
    header = ",".join(ROW_FIELDS) + "\n"
    line = ",".join(_csv_cell(current[name]) for name in ROW_FIELDS)
    report = parse_roll(header + line + "\n", region)
    problems = [RowProblem(e.line, e.column, e.message) for e in report.errors]
    if problems:
        return problems
    row = report.rows[0]
    email = row.email.lower() or None
    clash = None
    if email is not None:
        clash = await session.scalar(
            select(Voter.member_id).where(
                Voter.election_id == voter.election_id,
                Voter.email == email,
                Voter.id != voter.id,
            )
        )
    if clash is not None:
        return [RowProblem(2, "email", f"{row.email} is already on the roll (member {clash})")]
    voter.name, voter.email, voter.language = row.name, email, row.language
    voter.phone, voter.channel = row.phone or None, row.channel
    voter.unit, voter.challenged = row.unit or "", bool(row.challenged)
    await session.flush()
    return []


async def roll_size(session: AsyncSession, election_id: str) -> int:
    return int(
        await session.scalar(select(func.count()).where(Voter.election_id == election_id)) or 0
    )


async def voters(session: AsyncSession, election_id: str) -> list[Voter]:
    return list(
        await session.scalars(
            select(Voter).where(Voter.election_id == election_id).order_by(Voter.unit, Voter.name)
        )
    )


async def find_voter(session: AsyncSession, election_id: str, member_id: str) -> Voter | None:
    return await session.scalar(
        select(Voter).where(Voter.election_id == election_id, Voter.member_id == member_id)
    )


async def remove_voter(session: AsyncSession, voter: Voter) -> None:
    await session.execute(delete(Voter).where(Voter.id == voter.id))


#: A member's row as the committee gives it, in a roll file's column order.
ROW_FIELDS = ("member_id", "name", "email", "phone", "channel", "language", "unit", "challenged")


def one_row_csv(data: dict[str, object]) -> str | list[RowProblem]:
    """A roll file of one member (for :func:`import_roll`: the same checks as any import),
    or the problems with the fields given."""
    unknown = sorted(set(data) - set(ROW_FIELDS))
    if unknown:
        return [RowProblem(0, k, "is not a column of the roll") for k in unknown]
    values = [data.get(name, "") for name in ROW_FIELDS]
    if isinstance(values[-1], bool):
        values[-1] = "yes" if values[-1] else ""
    if any(not isinstance(v, str) for v in values):
        return [RowProblem(0, None, "every field must be text (challenged: true or false)")]
    return ",".join(ROW_FIELDS) + "\n" + ",".join(_csv_cell(v) for v in values) + "\n"
