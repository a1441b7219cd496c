"""``ballot record export``: the same record as the download, refused before a result."""

from __future__ import annotations

import asyncio
from pathlib import Path

from litestar import Litestar
from typer.testing import CliRunner, Result

from ballot.cli import app as cli
from ballot.config import Settings
from tests.support.asgi import Web

from .conftest import YES, CountedElection, cast

runner = CliRunner()


async def export(settings: Settings, election_id: str, out: Path) -> Result:
    env = {
        "BALLOT_DATABASE_URL": settings.database_url,
        "BALLOT_SECRET_KEY_FILE": str(settings.secret_key_file),
    }
    # The command runs its own event loop, so it runs on a thread here.
    return await asyncio.to_thread(
        runner.invoke, cli, ["record", "export", election_id, str(out)], env=env
    )


async def test_record_export_writes_the_downloadable_record(
    app: Litestar, web: Web, admin: Web, counted: CountedElection, tmp_path: Path
) -> None:
    settings = app.state.settings
    await cast(web, counted, "C001", YES)
    r = await admin.post(f"/api/elections/{counted.id}/state", json={"target": "closed"})
    assert r.status_code == 200
    early = await export(settings, counted.id, tmp_path / "early.zip")
    assert early.exit_code == 1 and "no record" in early.output, early.output
    assert not (tmp_path / "early.zip").exists()

    assert (await admin.post(f"/api/elections/{counted.id}/tally")).status_code == 200
    for trustee in counted.trustees[:2]:
        assert (await trustee.decrypt(counted)).status_code == 200
    out = tmp_path / "record.zip"
    done = await export(settings, counted.id, out)
    assert done.exit_code == 0, done.output
    download = await web.get(f"/api/elections/{counted.id}/record.zip")
    assert download.status_code == 200
    assert out.read_bytes() == download.content  # one board, one record, byte for byte

    missing = await export(settings, "enope", tmp_path / "x.zip")
    assert missing.exit_code == 1 and "no election enope" in missing.output
