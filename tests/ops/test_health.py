"""/health/live and /health/ready on SQLite and PostgreSQL: live never needs the database;
ready needs it reachable (quickly) and at the newest migration, else 503 with the reason."""

from __future__ import annotations

import time
from pathlib import Path

from litestar import Litestar
from sqlalchemy import text

from ballot.config import Settings
from ballot.migrations import upgrade_engine
from ballot.web.app import create_app
from ballot.web.health import migration_heads
from tests.support.asgi import client_for


async def test_live_and_ready_follow_the_database(unmigrated_settings: Settings) -> None:
    app = create_app(unmigrated_settings, schedule=False)
    try:
        async with client_for(app) as c:
            assert (await c.get("/health/live")).json() == {"status": "ok"}
            r = await c.get("/health/ready")
            assert r.status_code == 503
            assert r.json() == {"status": "unavailable", "database": "ok", "migrations": "missing"}
            await upgrade_engine(app.state.engine)
            r = await c.get("/health/ready")
            assert r.status_code == 200, r.text
            assert r.json() == {"status": "ok", "database": "ok", "migrations": "head"}
            assert r.headers["cache-control"] == "no-store"
            # A database one migration behind the code: not ready.
            async with app.state.engine.begin() as conn:
                await conn.execute(text("UPDATE alembic_version SET version_num = '0001_initial'"))
            r = await c.get("/health/ready")
            assert r.status_code == 503 and r.json()["migrations"] == "behind"
    finally:
        await app.state.engine.dispose()


async def test_health_is_public_and_not_rate_limited(app: Litestar) -> None:
    async with client_for(app) as c:
        for _ in range(50):
            assert (await c.get("/health/ready")).status_code == 200


async def test_an_unreachable_database_is_not_ready_but_alive(tmp_path: Path) -> None:
    settings = Settings(
        database_url="postgresql+asyncpg://ballot@127.0.0.1:9/ballot",  # discard port: refused
        secret_key_file=tmp_path / "secret.key",
        schedule_interval=0,
    )
    app = create_app(settings, schedule=False)
    try:
        async with client_for(app) as c:
            assert (await c.get("/health/live")).status_code == 200
            started = time.monotonic()
            r = await c.get("/health/ready")
            assert r.status_code == 503 and r.json()["status"] == "unavailable"
            assert r.json()["database"] != "ok"
            assert time.monotonic() - started < 10
    finally:
        await app.state.engine.dispose()


def test_heads_are_the_newest_migration() -> None:
    assert len(migration_heads()) == 1
