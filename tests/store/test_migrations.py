"""The Alembic migration builds the schema the models describe, on both engines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

import ballot.store.models  # noqa: F401
from ballot.migrations import alembic_config, upgrade_engine
from ballot.store.base import Base
from ballot.store.db import make_engine


async def test_upgrade_empty_database_to_head_then_again_changes_nothing(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        await upgrade_engine(engine)
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        assert {"elections", "voters", "voter_tokens", "board_entries", "audit_log"} <= tables
        assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()

        await upgrade_engine(engine)  # second run: nothing to do
        async with engine.connect() as conn:
            again = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        assert again == tables

        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata
                )
            )
        assert diff == []
    finally:
        await engine.dispose()


async def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() > 0
    finally:
        await engine.dispose()
