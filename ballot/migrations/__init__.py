"""Alembic migrations, configured in code so ``ballot db upgrade`` works from any directory.

There is no alembic.ini: :func:`alembic_config` points Alembic at this package and at
the database URL.  Two ways in:

* :func:`upgrade` (sync) for the CLI, which runs its own event loop;
* :func:`upgrade_engine` (async) for code that already runs in an event loop (tests,
  the demo), which hands Alembic a live connection through ``config.attributes``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

HERE = Path(__file__).parent


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("path_separator", "os")
    if url:
        # ConfigParser interpolation: a literal % in a password must be doubled.
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


async def upgrade_engine(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade the database behind ``engine`` (safe to call when already at head)."""

    def run(sync_conn: object) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = sync_conn
        command.upgrade(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)


def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the database at ``url`` to ``revision`` (default: the newest)."""
    from ballot.store.db import make_engine

    async def main() -> None:
        engine = make_engine(url)
        try:
            await upgrade_engine(engine, revision)
        finally:
            await engine.dispose()

    asyncio.run(main())
