"""The roll desk below the web, on both engines: search and filters by link state, pages,
the not-voted list in batches, who may see names, and the pure parts (formula-safe CSV
cells, correcting a roll file's bad rows)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ballot.election.roll import parse_roll
from ballot.election.roll_fix import corrected, header_of, rows_at
from ballot.migrations import upgrade_engine
from ballot.service.roll_desk import FORMULA_STARTS, csv_line, safe_cell
from ballot.store import accounts, observers, tokens
from ballot.store.db import make_engine, make_session_factory
from ballot.store.elections import create_election, parse_definition
from ballot.store.models import Voter
from ballot.store.roll import import_roll
from ballot.store.roll_search import RollQuery, not_voted, roll_units, search_roll

Factory = async_sessionmaker[AsyncSession]
HEADER = "member_id,name,email,language,unit,challenged\n"
NOW = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture
async def factory(db_url: str) -> AsyncIterator[Factory]:
    engine = make_engine(db_url)
    await upgrade_engine(engine)
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()


async def election_with(factory: Factory, members: int) -> str:
    definition = {
        "kind": "ratification",
        "title": {"en": "Contract ratification"},
        "opens_at": (NOW + timedelta(days=1)).isoformat(),
        "closes_at": (NOW + timedelta(days=20)).isoformat(),
        "questions": [{"text": {"en": "Ratify?"}, "options": [{"en": "Yes"}, {"en": "No"}]}],
    }
    lines = "".join(
        f"M{i:04d},Name {i:04d},m{i}@example.org,{'ko' if i % 2 else 'en'},L{i % 4},\n"
        for i in range(members)
    )
    async with factory() as db:
        election = await create_election(db, parse_definition(definition), NOW)
        assert (await import_roll(db, election.id, HEADER + lines)).ok
        await db.commit()
        return election.id


async def test_link_states_filters_and_pages(factory: Factory) -> None:
    election_id = await election_with(factory, 30)
    async with factory() as db:
        assert (await search_roll(db, election_id, RollQuery(link="none"))).total == 30
        await tokens.issue_tokens(db, election_id, NOW)
        voters = {v.member_id: v for v in await db.scalars(select(Voter))}
        await tokens.revoke_token(db, voters["M0001"], NOW)  # withdrawn
        await tokens.revoke_token(db, voters["M0002"], NOW, voted_on_paper=True)
        await tokens.reissue_token(db, voters["M0003"], NOW)  # replaced + active
        await db.commit()
    async with factory() as db:

        async def total(**q: object) -> int:
            return (await search_roll(db, election_id, RollQuery(**q))).total  # type: ignore[arg-type]

        assert await total(link="active") == 28
        assert await total(link="revoked") == 2
        assert await total(link="none") == 0
        assert await total(voted="yes") == 1 and await total(voted="no") == 29
        assert await total(language="ko") == 15 and await total(unit="L1") == 8
        assert await total(text="name 001") == 10  # Name 0010 … Name 0019
        assert await total(text="M0007") == 1 and await total(text="m7@EXAMPLE") == 1
        assert await total(text="_") == 0  # LIKE wildcards are searched as text
        page = await search_roll(db, election_id, RollQuery(per_page=7, page=5))
        assert (page.page, page.pages, len(page.rows)) == (5, 5, 2)
        assert [r.member_id for r in page.rows] == ["M0028", "M0029"]
        states = {
            r.member_id: r.link
            for r in (await search_roll(db, election_id, RollQuery(text="M000", per_page=10))).rows
        }
        assert states == {}  # member numbers match whole, not in part
        row = (await search_roll(db, election_id, RollQuery(text="M0003"))).rows[0]
        assert row.link == "active" and not row.voted
        paper = (await search_roll(db, election_id, RollQuery(text="M0002"))).rows[0]
        assert paper.voted and paper.channel == "paper" and paper.link == "revoked"
        assert await roll_units(db, election_id) == ["L0", "L1", "L2", "L3"]


async def test_not_voted_comes_in_batches_without_the_voters(factory: Factory) -> None:
    election_id = await election_with(factory, 23)
    async with factory() as db:
        await tokens.issue_tokens(db, election_id, NOW)
        five = await db.scalar(select(Voter).where(Voter.member_id == "M0005"))
        assert five is not None
        await tokens.revoke_token(db, five, NOW, voted_on_paper=True)
        await db.commit()
    async with factory() as db:
        batches = [len(b) async for b in not_voted(db, election_id, batch=10)]
    assert batches == [10, 10, 2]


async def test_who_sees_names(factory: Factory) -> None:
    election_id = await election_with(factory, 1)
    async with factory() as db:
        made = {}
        for role in ("admin", "observer", "trustee"):
            made[role] = await accounts.create_account(
                db, email=f"{role}@x.org", name=role, role=role, password="p" * 12, now=NOW
            )
        other = await accounts.create_account(
            db, email="o2@x.org", name="o2", role="observer", password="p" * 12, now=NOW
        )
        assert await observers.sees_names(db, made["admin"], election_id)
        assert not await observers.sees_names(db, made["trustee"], election_id)
        assert not await observers.sees_names(db, made["observer"], election_id)
        assert not await observers.sees_names(db, None, election_id)
        await observers.set_grant(db, election_id, made["observer"].id, "names", NOW)
        await observers.set_grant(db, election_id, other.id, "counts", NOW)
        assert await observers.sees_names(db, made["observer"], election_id)
        assert not await observers.sees_names(db, other, election_id)
        assert await observers.names_election_ids(db, made["observer"]) == {election_id}
        assert await observers.names_election_ids(db, other) == set()
        await observers.set_grant(db, election_id, made["observer"].id, "counts", NOW)
        assert not await observers.sees_names(db, made["observer"], election_id)
        assert await observers.remove_grant(db, election_id, other.id)
        kinds = {(g.account_id, g.kind) for g in await observers.grants(db)}
        assert kinds == {(made["observer"].id, "counts")}


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_formula_starts_get_a_quote(start: str) -> None:
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"
    line = csv_line(["M1", f"{start}cmd|' /C calc'!A0"])
    assert next(csv.reader(io.StringIO(line)))[1].startswith("'")


@given(st.text(max_size=40))
def test_a_safe_cell_never_starts_a_formula_and_keeps_the_text(text: str) -> None:
    cell = safe_cell(text)
    assert not cell.startswith(FORMULA_STARTS)
    assert cell in (text, "'" + text)


def test_bad_rows_found_by_their_line_and_replaced() -> None:
    text = (
        HEADER
        + 'M1,"Ana\nLopez",ana@example.org,es,North,\n'  # over two lines: a control character
        + "M2,Ben,ben at example,en,North,\n"  # line 4
        + "\n"
        + "M3,Chen,chen@example.org,xx,South,\n"  # line 6
    )
    report = parse_roll(text)
    lines = {e.line for e in report.errors}
    assert lines == {2, 4, 6}
    assert header_of(text) == ["member_id", "name", "email", "language", "unit", "challenged"]
    rows = rows_at(text, lines)
    assert [(r.line, r.cells[2]) for r in rows] == [
        (2, "ana@example.org"),
        (4, "ben at example"),
        (6, "chen@example.org"),
    ]
    assert rows[0].cells[1] == "Ana\nLopez"
    fixed = corrected(
        text,
        {
            2: ["M1", "Ana Lopez", "ana@example.org", "es", "North", ""],
            4: ["M2", "Ben", "ben@example.org", "en", "North", ""],
            6: None,
        },
    )
    again = parse_roll(fixed)
    assert again.ok and [(r.member_id, r.name) for r in again.rows] == [
        ("M1", "Ana Lopez"),
        ("M2", "Ben"),
    ]
