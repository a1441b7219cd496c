"""``ballot demo --no-serve`` builds an open demo election from scratch, and again on rerun."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ballot.cli import app
from ballot.store.db import make_engine, make_session_factory
from ballot.store.tokens import lookup_token, token_counts

runner = CliRunner()


async def _check(db: Path, token: str) -> tuple[dict[str, int], str | None, str | None]:
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    try:
        async with make_session_factory(engine)() as session:
            found = await lookup_token(session, token)
            counts = await token_counts(session, "demo")
            return counts, found.status if found else None, found.election.state if found else None
    finally:
        await engine.dispose()


@pytest.mark.slow
def test_demo_no_serve_twice(tmp_path: Path) -> None:
    folder = tmp_path / "demo-data"
    for _ in range(2):  # rerunning starts fresh
        result = runner.invoke(app, ["demo", "--no-serve", "--directory", str(folder)])
        assert result.exit_code == 0, result.output
    out = result.output
    assert "admin@demo.invalid" in out and "observer@demo.invalid" in out
    links = [line.split(": ")[-1] for line in out.splitlines() if "/v/" in line]
    assert len(links) >= 3
    keys = folder / "DEMO-ONLY-trustee-keys"
    assert sorted(p.name for p in keys.glob("*.key")) == [f"trustee-{i}.key" for i in (1, 2, 3)]
    assert "DEMO ONLY" in (keys / "README.txt").read_text()
    assert (keys / "trustee-1.key").stat().st_mode & 0o077 == 0
    counts, status, state = asyncio.run(
        _check(folder / "ballot.sqlite3", links[0].rsplit("/", 1)[1])
    )
    assert counts == {"active": 20} and status == "active" and state == "open"


def test_demo_refuses_to_wipe_a_folder_it_did_not_make(tmp_path: Path) -> None:
    folder = tmp_path / "precious"
    folder.mkdir()
    (folder / "thesis.txt").write_text("do not delete")
    result = runner.invoke(app, ["demo", "--no-serve", "--directory", str(folder)])
    assert result.exit_code != 0
    assert (folder / "thesis.txt").exists()
