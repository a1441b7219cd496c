"""Migration 0021 admits the mix-net's states on both engines, and nothing else changes."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from ballot.migrations import alembic_config, upgrade_engine
from ballot.store.db import make_engine


async def _downgrade(engine, revision: str) -> None:  # type: ignore[no-untyped-def]
    def run(sync_conn: object) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = sync_conn
        command.downgrade(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)


INSERT = text(
    "INSERT INTO elections (id, kind, state, rule, allow_blank, trustees_n, trustees_k, "
    "created_at) VALUES (:id, 'officer', :state, 'majority', false, 1, 1, "
    "'2026-01-01 00:00:00')"
)


async def test_the_states_of_the_mix_are_admitted_then_taken_back(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        await upgrade_engine(engine)
        # From the mix's own revision: a failed downgrade below it must leave the later
        # revisions' work undone cleanly, which is theirs to test.
        await _downgrade(engine, "0021")
        async with engine.begin() as conn:
            for n, state in enumerate(("mixing", "decrypting_mixed", "tallied")):
                await conn.execute(INSERT, {"id": f"e{n}", "state": state})
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(INSERT, {"id": "bad", "state": "shuffling"})
        with pytest.raises(RuntimeError, match="mixing its ranked ballots"):
            await _downgrade(engine, "0020")
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM elections WHERE state <> 'tallied'"))
        await _downgrade(engine, "0020")
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(INSERT, {"id": "e9", "state": "mixing"})
        await upgrade_engine(engine)
        async with engine.begin() as conn:
            await conn.execute(INSERT, {"id": "e9", "state": "mixing"})
            states = (await conn.execute(text("SELECT state FROM elections ORDER BY id"))).all()
        assert [s for (s,) in states] == ["tallied", "mixing"]
    finally:
        await engine.dispose()
