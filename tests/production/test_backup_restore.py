"""deploy/backup.sh and deploy/restore.sh on a real election's PostgreSQL database (issue #6).

A backup is only worth what its restore gives back.  So an election is run by a real
server up to the end the code allows, the database is backed up with the script a
deployment would cron, restored with the other script into a new database, and the
restored copy must be indistinguishable: every table row for row, the board entry by
entry byte for byte, the chain and the signed heads verifying, and a server started on
it serving the same board.  The scripts' refusals are checked too: no overwriting a
backup, no restoring over a database that has data, no restoring a damaged dump.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import stat
import subprocess
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from ballot.mail.sink import MailSink
from ballot.migrations import upgrade
from ballot.store.serverkey import load_or_create

from .cluster import (
    ROOT,
    Committee,
    Encryptor,
    Member,
    Processes,
    check_board,
    check_receipt,
    create_admin,
    definition,
    deliver_here,
    email_of,
    free_port,
    roll_csv,
    service_env,
    snapshot,
    start_web,
    tokens_from_inbox,
)
from .conftest import PgDatabase, drop_database

BACKUP = ROOT / "deploy" / "backup.sh"
RESTORE = ROOT / "deploy" / "restore.sh"
VOTERS = 8
CHALLENGED = {6}


def run(
    script: Path, *args: str, env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "DATABASE_URL"))}
    clean.pop("BALLOT_DATABASE_URL", None)
    return subprocess.run(
        ["bash", str(script), *args],
        env={**clean, **env},
        cwd=str(cwd),
        capture_output=True,
        text=True,
        timeout=120,
    )


async def _tables(dsn: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the public schema, in a fixed order."""
    conn = await asyncpg.connect(dsn)
    try:
        names = [
            r["tablename"]
            for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        out: dict[str, list[tuple[Any, ...]]] = {}
        for name in names:
            rows = await conn.fetch(f'SELECT * FROM "{name}"')
            out[name] = sorted((tuple(r.values()) for r in rows), key=repr)
        return out
    finally:
        await conn.close()


def tables(dsn: str) -> dict[str, list[tuple[Any, ...]]]:
    return asyncio.run(_tables(dsn))


def test_backup_then_restore_gives_back_the_same_election(
    pg_db: PgDatabase, procs: Processes, key_file: Path, tmp_path: Path
) -> None:
    upgrade(pg_db.url)
    create_admin(pg_db.url)
    server_key = load_or_create(key_file).board_key.public_hex
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    # --- an election: opened, voted, closed
    with MailSink() as sink:
        env = service_env(pg_db.url, key_file, base, smtp_port=sink.port)
        web = start_web(procs, env, port, "web")
        committee = Committee(base)
        try:
            election_id, public, _ = committee.open_election(
                definition(), roll_csv(VOTERS, CHALLENGED)
            )
            assert deliver_here(env) == VOTERS
            inbox = tokens_from_inbox(sink, VOTERS)
            encrypt = Encryptor(public)
            members = []
            with httpx.Client(base_url=base, timeout=60) as http:
                for i in range(VOTERS):
                    ballot, track = encrypt.ballot(i % 2)
                    member = Member(i, inbox[email_of(i)], ballot, track)
                    r = http.post("/api/cast", json={"token": member.token, "ballot": ballot})
                    assert r.status_code == 201, r.text
                    member.receipt = r.json()
                    members.append(member)
            committee.post(f"/api/elections/{election_id}/state", json={"target": "closed"})
        finally:
            committee.close()
    web.stop()
    web.assert_no_errors()

    # --- back up, with the server's own setting (asyncpg URL) naming the database
    backups = tmp_path / "backups"
    done = run(BACKUP, str(backups), env={"BALLOT_DATABASE_URL": pg_db.url}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (dump,) = backups.glob(f"{pg_db.name}-*.dump")
    checksum = Path(f"{dump}.sha256")
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    assert stat.S_IMODE(checksum.stat().st_mode) == 0o600
    digest = hashlib.sha256(dump.read_bytes()).hexdigest()
    assert checksum.read_text() == f"{digest}  {dump.name}\n"
    assert subprocess.run(["sha256sum", "-c", checksum.name], cwd=backups).returncode == 0
    assert sorted(p.name for p in backups.iterdir()) == [dump.name, checksum.name]

    # an existing backup is never overwritten
    again = run(BACKUP, "-o", str(dump), env={"DATABASE_URL": pg_db.dsn}, cwd=tmp_path)
    assert again.returncode != 0 and "already exists" in again.stderr
    assert hashlib.sha256(dump.read_bytes()).hexdigest() == digest

    server_env = {"DATABASE_URL": pg_db.dsn}
    # never over a database that holds data (here: the live one)
    over = run(RESTORE, str(dump), pg_db.name, env=server_env, cwd=tmp_path)
    assert over.returncode != 0 and "not empty" in over.stderr, over.stderr

    # never a damaged dump: refused before any database is made
    damaged = tmp_path / "damaged.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    Path(f"{damaged}.sha256").write_text(checksum.read_text().replace(dump.name, damaged.name))
    never = "ballot_never_" + secrets.token_hex(4)
    bad = run(RESTORE, str(damaged), never, env=server_env, cwd=tmp_path)
    assert bad.returncode != 0 and "checksum" in bad.stderr, bad.stderr
    assert not database_exists(pg_db.dsn, never)

    # --- restore into a new database
    restored = "ballot_restored_" + secrets.token_hex(4)
    try:
        done = run(RESTORE, str(dump), restored, env=server_env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        restored_dsn = f"{pg_db.server_dsn}/{restored}"
        restored_url = restored_dsn.replace("postgresql://", "postgresql+asyncpg://")

        # every table, row for row; the board byte for byte (stored text, hashes, heads)
        assert tables(restored_dsn) == tables(pg_db.dsn)
        before, after = snapshot(pg_db.url, election_id), snapshot(restored_url, election_id)
        assert after.entries == before.entries and after.stored_hashes == before.stored_hashes
        assert after.heads == before.heads
        check_board(after, server_key)
        for member in members:
            assert member.receipt is not None
            check_receipt(after, member.receipt, member, server_key)
        assert "election.closed" in [e.kind for e in after.entries]

        # a server on the restored database serves the same board and knows every tracker
        port2 = free_port()
        restored_env = service_env(restored_url, key_file, f"http://127.0.0.1:{port2}")
        start_web(procs, restored_env, port2, "web-restored")
        with httpx.Client(base_url=f"http://127.0.0.1:{port2}", timeout=60) as http:
            served = http.get(
                f"/api/elections/{election_id}/board/entries", params={"limit": 1000}
            ).json()["entries"]
            assert served == [e.to_json() for e in before.entries]
            head = http.get(f"/api/elections/{election_id}/head").json()
            assert head["head"] == before.heads[-1].to_json()
            for member in members:
                found = http.get(f"/api/elections/{election_id}/trackers/{member.tracker}")
                assert found.status_code == 200, found.text
    finally:
        drop_database(restored)
        drop_database(never)


def database_exists(dsn: str, name: str) -> bool:
    async def ask() -> bool:
        conn = await asyncpg.connect(dsn)
        try:
            return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
        finally:
            await conn.close()

    return asyncio.run(ask())
