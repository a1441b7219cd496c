"""``ballot admin unlock``: the out-of-band way back in for a member locked out (both engines)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ballot.cli import app
from ballot.store import throttle
from ballot.store.types import utcnow

from .test_cli import run_async

runner = CliRunner()


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return {"BALLOT_DATABASE_URL": db_url, "BALLOT_SECRET_KEY_FILE": str(tmp_path / "secret.key")}


def test_unlock_clears_the_accounts_throttles_only(env: dict[str, str], db_url: str) -> None:
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    now = utcnow()

    async def spend(session, email: str, ip: str) -> list[object]:  # type: ignore[no-untyped-def]
        grants = []
        for _ in range(throttle.PAIR_LIMIT + 1):
            grants.append(
                await throttle.reserve(session, throttle.Keys.of(email, ip), now, has_code=False)
            )
            await session.commit()
        return grants

    grants = run_async(db_url, lambda s: spend(s, "chair@example.org", "198.51.100.1"))
    assert grants[-1] is None  # locked
    run_async(db_url, lambda s: spend(s, "other_%@example.org", "198.51.100.2"))
    result = runner.invoke(app, ["admin", "unlock", "Chair@Example.org"], env=env)
    assert result.exit_code == 0 and "cleared 2" in result.output, result.output

    async def again(session, email: str, ip: str):  # type: ignore[no-untyped-def]
        return await throttle.reserve(session, throttle.Keys.of(email, ip), now, has_code=False)

    assert run_async(db_url, lambda s: again(s, "chair@example.org", "198.51.100.3")) is not None
    assert run_async(db_url, lambda s: again(s, "other_%@example.org", "198.51.100.2")) is None
