"""deploy/postgresql-setup.sql really gives least privilege: the owner role can migrate,
the application role runs the service (health, sign-in, casting's tables) with DML
only, and cannot create, alter, drop or truncate tables.

The script is run with psql exactly as an operator would, with its role and database
names made unique so the test leaves the shared server as it found it.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from ballot.config import Settings
from ballot.migrations import upgrade
from ballot.web.app import create_app
from tests.support.asgi import client_for
from tests.support.databases import require
from tests.support.postgres import ADMIN_DSN as PG_ADMIN_DSN
from tests.support.postgres import execute as _pg_execute

SETUP_SQL = Path(__file__).parents[2] / "deploy" / "postgresql-setup.sql"
GRANTS_SQL = SETUP_SQL.with_name("postgresql-grants.sql")
pytestmark = pytest.mark.postgres


@pytest.fixture
def roles(pg_available: bool, tmp_path: Path) -> Iterator[dict[str, str]]:
    require(pg_available, "PostgreSQL at 127.0.0.1:5432 is not reachable")
    require(shutil.which("psql") is not None, "psql is not installed")
    suffix = secrets.token_hex(4)
    names = {
        "ballot_owner": f"ballot_owner_{suffix}",
        "ballot_app": f"ballot_app_{suffix}",
        "ballot_backup": f"ballot_backup_{suffix}",
        "ballot": f"ballot_roles_{suffix}",
    }
    for source in (SETUP_SQL, GRANTS_SQL):
        sql = source.read_text()
        for old in ("ballot_owner", "ballot_app", "ballot_backup", "ballot"):
            sql = re.sub(rf"\b{old}\b", names[old], sql)
        (tmp_path / source.name).write_text(sql)
    try:
        done = subprocess.run(
            [
                "psql",
                PG_ADMIN_DSN,
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
                "-f",
                str(tmp_path / SETUP_SQL.name),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        yield names
    finally:
        _pg_execute(f'DROP DATABASE IF EXISTS "{names["ballot"]}" WITH (FORCE)')
        for role in ("ballot_owner", "ballot_app", "ballot_backup"):
            _pg_execute(f'DROP ROLE IF EXISTS "{names[role]}"')


def _url(role: str, database: str, driver: str = "postgresql+asyncpg") -> str:
    host = PG_ADMIN_DSN.split("@", 1)[1].rsplit("/", 1)[0]
    return f"{driver}://{role}@{host}/{database}"


async def _refused(dsn: str, statement: str) -> bool:
    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        await conn.execute(statement)
    except asyncpg.InsufficientPrivilegeError:
        return True
    finally:
        await conn.close()
    return False


async def test_the_app_role_serves_but_cannot_change_the_schema(
    roles: dict[str, str], tmp_path: Path
) -> None:
    db = roles["ballot"]
    await asyncio.to_thread(upgrade, _url(roles["ballot_owner"], db))
    settings = Settings(
        database_url=_url(roles["ballot_app"], db),
        secret_key_file=tmp_path / "secret.key",
        cookie_secure=False,
        schedule_interval=0,
    )
    app = create_app(settings, schedule=False)
    try:
        async with client_for(app) as c:
            r = await c.get("/health/ready")
            assert r.status_code == 200, r.text
            await c.get("/login")
            r = await c.post(
                "/api/login",
                json={"email": "nobody@example.org", "password": "wrong password"},
                headers={"x-csrftoken": c.cookies["csrftoken"]},
            )
            assert r.status_code == 401  # the failure was recorded: INSERT works
            assert (await c.get("/api/elections/e0/board")).status_code == 404
    finally:
        await app.state.engine.dispose()
    app_dsn = _url(roles["ballot_app"], db, "postgresql")
    for statement in (
        "CREATE TABLE intruder (x int)",
        "DROP TABLE board_entries",
        "ALTER TABLE board_entries ADD COLUMN x int",
        "TRUNCATE audit_log",
        "ALTER TABLE board_entries DISABLE TRIGGER ALL",
    ):
        assert await _refused(app_dsn, statement), statement
    # The backup role reads, never writes.
    backup_dsn = _url(roles["ballot_backup"], db, "postgresql")
    conn = await asyncpg.connect(backup_dsn, timeout=5)
    try:
        assert await conn.fetchval("SELECT count(*) FROM alembic_version") == 1
    finally:
        await conn.close()
    assert await _refused(backup_dsn, "DELETE FROM alembic_version")


async def test_a_database_made_for_a_restore_gets_the_same_rights(
    roles: dict[str, str], tmp_path: Path
) -> None:
    """OPERATIONS.md's restore recipe: createdb -O owner, grants file, restore as owner."""
    restored = roles["ballot"] + "_restored"
    create = f'CREATE DATABASE "{restored}" OWNER "{roles["ballot_owner"]}"'
    await asyncio.to_thread(_pg_execute, create)
    try:
        base = PG_ADMIN_DSN.rsplit("/", 1)[0]
        done = subprocess.run(
            ["psql", f"{base}/{restored}", "-q", "-f", str(tmp_path / GRANTS_SQL.name)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        await asyncio.to_thread(upgrade, _url(roles["ballot_owner"], restored))
        app_dsn = _url(roles["ballot_app"], restored, "postgresql")
        conn = await asyncpg.connect(app_dsn, timeout=5)
        try:
            assert await conn.fetchval("SELECT count(*) FROM alembic_version") == 1
            await conn.execute("DELETE FROM login_failures")
        finally:
            await conn.close()
        assert await _refused(app_dsn, "DROP TABLE board_entries")
    finally:
        drop = f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)'
        await asyncio.to_thread(_pg_execute, drop)
