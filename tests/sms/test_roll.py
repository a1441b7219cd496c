"""A roll with phones: phone only, e-mail only or both; neither, or a bad number, named by line.

Parsing is checked without a database; importing on both engines, where a bad row
anywhere imports nothing, and phone numbers are stored in E.164 form.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ballot.election.phone import PhoneError, normalise_phone
from ballot.election.roll import parse_roll
from ballot.migrations import alembic_config, upgrade, upgrade_engine
from ballot.store.db import make_engine, make_session_factory
from ballot.store.elections import create_election, parse_definition
from ballot.store.models import Voter
from ballot.store.roll import import_roll, update_voter

Factory = async_sessionmaker[AsyncSession]
HEADER = "member_id,name,email,phone,channel,language,unit\n"
MIXED = (
    HEADER
    + "M1,Ana Lopez,ana@example.org,,,es,North\n"  # e-mail only
    + "M2,Kim Min-jun,,(415) 555-2671,,ko,North\n"  # phone only
    + "M3,Nguyen Van An,an@example.org,+1 213 555 0199,sms,vi,South\n"  # both, by text
    + "M4,Maria Santos,maria@example.org,213-555-0142,,tl,South\n"  # both, e-mail first
)


def test_phone_only_email_only_and_both_are_accepted() -> None:
    report = parse_roll(MIXED)
    assert report.ok, report.errors
    got = [(r.member_id, r.email, r.phone, r.channel) for r in report.rows]
    assert got == [
        ("M1", "ana@example.org", "", "email"),
        ("M2", "", "+14155552671", "sms"),
        ("M3", "an@example.org", "+12135550199", "sms"),
        ("M4", "maria@example.org", "+12135550142", "email"),
    ]


def test_a_row_with_neither_is_refused_naming_its_line() -> None:
    report = parse_roll(MIXED + "M5,No Contact,,,,en,East\n")
    assert not report.ok
    assert [(e.line, e.column) for e in report.errors] == [(6, None)]
    assert "neither an email address nor a phone number" in report.errors[0].message
    # A file with only a phone column: the empty phone is named.
    only_phone = parse_roll("member_id,name,phone,language\nP1,A,4155552671,en\nP2,B,,en\n")
    assert [(e.line, e.column) for e in only_phone.errors] == [(3, "phone")]
    # A file with neither column cannot be read at all.
    header = parse_roll("member_id,name,language\nP1,A,en\n")
    assert header.errors[0].line == 1 and "email or phone" in header.errors[0].message


@pytest.mark.parametrize(
    ("phone", "why"),
    [
        ("415-555-267", "not a valid phone number"),  # a digit short
        ("010-1234-5678", "region US"),  # Korean mobile without +82
        ("12345", "not a valid"),
        ("call me", "not a phone number"),
        ("+1 415 555 2671 ext 9999999999999999999", "longer than"),
    ],
)
def test_a_bad_number_is_refused_naming_the_line(phone: str, why: str) -> None:
    report = parse_roll(MIXED + f'M5,Someone,,"{phone}",,en,East\n')
    assert [(e.line, e.column) for e in report.errors] == [(6, "phone")]
    assert why in report.errors[0].message
    assert [r.member_id for r in report.rows] == ["M1", "M2", "M3", "M4"]


def test_numbers_are_read_in_the_default_region() -> None:
    assert normalise_phone("010-1234-5678", "KR") == "+821012345678"
    assert normalise_phone("0912 345 678", "VN") == "+84912345678"
    assert normalise_phone("+82 10-1234-5678") == "+821012345678"  # a country code wins
    assert parse_roll("member_id,name,phone,language\nK1,Kim,010-1234-5678,ko\n", "KR").ok
    with pytest.raises(PhoneError):
        normalise_phone("010-1234-5678", "US")


def test_a_channel_the_member_cannot_be_reached_by_is_refused() -> None:
    report = parse_roll(
        HEADER
        + "M1,Ana,ana@example.org,,sms,es,\n"  # sms without a phone
        + "M2,Kim,,4155552671,email,ko,\n"  # email without an address
        + "M3,Lee,lee@example.org,4155552672,pigeon,ko,\n"
    )
    assert [(e.line, e.column) for e in report.errors] == [
        (2, "channel"),
        (3, "channel"),
        (4, "channel"),
    ]


def test_members_may_share_a_phone_but_not_an_address() -> None:
    shared = parse_roll(
        HEADER + "M1,Ana,,4155552671,,es,\nM2,Luis,,(415) 555-2671,,es,\nM3,Eva,a@x.org,,,es,\n"
    )
    assert shared.ok
    clash = parse_roll(HEADER + "M1,Ana,a@x.org,,,es,\nM2,Luis,A@x.org,4155552671,,es,\n")
    assert [(e.line, e.column) for e in clash.errors] == [(3, "email")]


@pytest.fixture
async def factory(db_url: str) -> AsyncIterator[Factory]:
    engine = make_engine(db_url)
    await upgrade_engine(engine)
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()


async def new_election(factory: Factory) -> str:
    now = datetime.now(UTC)
    definition = {
        "kind": "ratification",
        "title": {"en": "Contract ratification"},
        "opens_at": (now + timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=20)).isoformat(),
        "questions": [{"text": {"en": "Ratify?"}, "options": [{"en": "Yes"}, {"en": "No"}]}],
    }
    async with factory() as db:
        election = await create_election(db, parse_definition(definition), now)
        await db.commit()
        return election.id


async def members(
    factory: Factory, election_id: str
) -> list[tuple[str, str | None, str | None, str]]:
    async with factory() as db:
        rows = await db.execute(
            select(Voter.member_id, Voter.email, Voter.phone, Voter.channel)
            .where(Voter.election_id == election_id)
            .order_by(Voter.member_id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_import_stores_each_contact_and_refuses_a_row_with_neither(factory: Factory) -> None:
    election_id = await new_election(factory)
    async with factory() as db:
        bad = await import_roll(db, election_id, MIXED + "M5,No Contact,,,,en,East\n")
        await db.commit()
    assert not bad.ok and bad.imported == 0
    assert [(p.line, p.column) for p in bad.problems] == [(6, None)]
    assert await members(factory, election_id) == [], "a bad row never half-imports"

    async with factory() as db:
        assert (await import_roll(db, election_id, MIXED)).imported == 4
        await db.commit()
    assert await members(factory, election_id) == [
        ("M1", "ana@example.org", None, "email"),
        ("M2", None, "+14155552671", "sms"),
        ("M3", "an@example.org", "+12135550199", "sms"),
        ("M4", "maria@example.org", "+12135550142", "email"),
    ]
    # A second phone-only member: no e-mail address clash between members without one.
    async with factory() as db:
        more = await import_roll(db, election_id, HEADER + "M6,Tran,,4155552699,,vi,\n")
        await db.commit()
    assert more.ok


async def test_a_phone_is_corrected_and_a_bad_one_changes_nothing(factory: Factory) -> None:
    election_id = await new_election(factory)
    async with factory() as db:
        assert (await import_roll(db, election_id, MIXED)).ok
        await db.commit()
    async with factory() as db:
        kim = await db.scalar(select(Voter).where(Voter.member_id == "M2"))
        assert kim is not None
        problems = await update_voter(db, kim, {"phone": "415-555-267"})
        assert [(p.column, "not a valid phone number" in p.message) for p in problems] == [
            ("phone", True)
        ]
        await db.rollback()
    async with factory() as db:
        kim = await db.scalar(select(Voter).where(Voter.member_id == "M2"))
        assert kim is not None
        assert await update_voter(db, kim, {"phone": "(415) 555-2672"}) == []
        ana = await db.scalar(select(Voter).where(Voter.member_id == "M1"))
        assert ana is not None
        assert await update_voter(db, ana, {"phone": "4155552673", "channel": "sms"}) == []
        await db.commit()
    got = {m: (e, p, c) for m, e, p, c in await members(factory, election_id)}
    assert got["M2"] == (None, "+14155552672", "sms")
    assert got["M1"] == ("ana@example.org", "+14155552673", "sms")


def test_migration_0015_keeps_every_members_links_on_sqlite(tmp_path: object) -> None:
    """SQLite rebuilds ``voters``; the tokens that refer to members (ON DELETE CASCADE)
    must all still be there, and refer to the same members."""
    path = f"{tmp_path}/old.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    before = ScriptDirectory.from_config(alembic_config()).get_revision("0015").down_revision
    upgrade(url, str(before))
    with sqlite3.connect(path) as c:
        c.execute("PRAGMA foreign_keys=ON")
        c.execute(
            "INSERT INTO elections (id, kind, state, rule, allow_blank, trustees_n, trustees_k,"
            " created_at, objection_days, time_zone) VALUES ('e1', 'custom', 'open', 'majority',"
            " 0, 1, 1, '2026-01-01 00:00:00', 5, 'UTC')"
        )
        for i in range(1, 4):
            c.execute(
                "INSERT INTO voters (id, election_id, member_id, name, email, language, unit,"
                f" challenged) VALUES ({i}, 'e1', 'M{i}', 'N', 'm{i}@x.org', 'en', '', 0)"
            )
            c.execute(
                "INSERT INTO voter_tokens (election_id, voter_id, token_hash, status, issued_at)"
                f" VALUES ('e1', {i}, 'h{i}', 'active', '2026-01-01 00:00:00')"
            )
    upgrade(url)
    with sqlite3.connect(path) as c:
        assert c.execute("SELECT voter_id FROM voter_tokens ORDER BY voter_id").fetchall() == [
            (1,),
            (2,),
            (3,),
        ]
        assert c.execute("SELECT email, phone, channel FROM voters WHERE id = 2").fetchone() == (
            "m2@x.org",
            None,
            "email",
        )
        assert c.execute("PRAGMA foreign_key_check").fetchall() == []
