"""The ``ballot`` command on both engines: migrations, accounts, roll import."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ballot.cli import app
from ballot.store.accounts import find_account
from ballot.store.db import make_engine, make_session_factory
from ballot.store.elections import create_election, parse_definition
from ballot.store.roll import roll_size
from ballot.store.types import utcnow

runner = CliRunner()
HEADER = "member_id,name,email,language,unit,challenged\n"


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return {"BALLOT_DATABASE_URL": db_url, "BALLOT_SECRET_KEY_FILE": str(tmp_path / "secret.key")}


def run_async(db_url: str, work):  # type: ignore[no-untyped-def]
    async def main():  # type: ignore[no-untyped-def]
        engine = make_engine(db_url)
        try:
            async with make_session_factory(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(main())


def test_db_upgrade_twice(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # works from any directory: no alembic.ini needed
    for _ in range(2):
        result = runner.invoke(app, ["db", "upgrade"], env=env)
        assert result.exit_code == 0, result.output
        assert "up to date" in result.output


def test_admin_create_reads_the_password_from_stdin(env: dict[str, str], db_url: str) -> None:
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    args = [
        "admin",
        "create",
        "--email",
        "Chair@Example.org",
        "--name",
        "Chair",
        "--password-stdin",
    ]
    result = runner.invoke(app, args, input="a long enough password\n", env=env)
    assert result.exit_code == 0, result.output
    account = run_async(db_url, lambda s: find_account(s, "chair@example.org"))
    assert account is not None and account.role == "admin"
    assert "a long enough password" not in account.password_hash
    again = runner.invoke(app, args, input="a long enough password\n", env=env)
    assert again.exit_code == 1 and "already exists" in again.output


def test_roll_import_all_or_nothing(env: dict[str, str], db_url: str, tmp_path: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    definition = parse_definition(
        {
            "kind": "ratification",
            "title": "Contract",
            "questions": [{"text": "Ratify?", "options": ["Yes", "No"]}],
        }
    )

    async def make(session):  # type: ignore[no-untyped-def]
        e = await create_election(session, definition, utcnow(), election_id="e-cli")
        await session.commit()
        return e.id

    election_id = run_async(db_url, make)
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "A1,Ann,ann@example.org,en,N,\nA2,Bo,not-an-email,en,N,\n")
    result = runner.invoke(app, ["roll", "import", election_id, str(bad)], env=env)
    assert result.exit_code == 1
    assert "not imported" in result.output and "3" in result.output
    assert run_async(db_url, lambda s: roll_size(s, election_id)) == 0

    good = tmp_path / "good.csv"
    good.write_text(HEADER + "A1,Ann,ann@example.org,en,N,\nA2,Bo,bo@example.org,ko,S,yes\n")
    result = runner.invoke(app, ["roll", "import", election_id, str(good)], env=env)
    assert result.exit_code == 0, result.output
    assert "imported 2" in result.output
    assert run_async(db_url, lambda s: roll_size(s, election_id)) == 2

    result = runner.invoke(app, ["roll", "import", "no-such-election", str(good)], env=env)
    assert result.exit_code == 1 and "no election" in result.output
