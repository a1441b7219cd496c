"""deploy/backup.sh and deploy/restore.sh on a finished election's PostgreSQL database (issue #6).

A backup is only worth what its restore gives back.  So a real server runs an election
to its result (2-of-3 local key ceremony, votes, close, tally decrypted by two of the
three trustees), the database is backed up with the script a deployment would cron,
restored with the other script into a new database, and the restored copy must be
indistinguishable: every table row for row, the board entry by entry byte for byte,
the chain and the signed heads verifying, ``ballot record export`` on it giving the
very same record as on the original, which ``ballot verify`` accepts, and a server
started on it serving the same board.  The scripts' refusals are checked too: no
overwriting a backup, no restoring over a database that has data, no restoring a
damaged dump.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from ballot.crypto.ceremony import TrusteeShare
from ballot.crypto.elgamal import Ciphertext
from ballot.crypto.keyfile import open_key
from ballot.crypto.threshold import partial_decrypt_tally
from tests.support.inbox import Inbox as MailSink

from .cluster import (
    ROOT,
    Committee,
    Encryptor,
    Member,
    Processes,
    check_board,
    check_receipt,
    create_account,
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
from .deployment import deploy

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

BACKUP = ROOT / "deploy" / "backup.sh"
RESTORE = ROOT / "deploy" / "restore.sh"
VOTERS = 8
CHALLENGED = {6}  # one challenged ballot, not determinative: 5 yes to 2 no without it
PASSPHRASES = ["first trustee phrase", "second trustee phrase", "third trustee phrase"]
DECRYPTING = (1, 3)  # two of the three trustees decrypt


def trustee_email(position: int) -> str:
    return f"trustee{position}@example.org"


def choice(i: int) -> int:
    return 0 if i < 5 else 1


def open_with_trustees(committee: Committee, roll: str) -> tuple[str, dict[str, Any], list[bytes]]:
    """Define (2 of 3), seat three trustees, hold the local ceremony, open.

    Returns the election id, its public data and the trustees' sealed key files.
    """
    election_id = str(committee.post("/api/elections", json=definition(k=2, n=3))["id"])
    committee.post(f"/api/elections/{election_id}/roll", content=roll.encode())
    for position in (1, 2, 3):
        committee.post(
            f"/api/elections/{election_id}/trustees",
            json={"email": trustee_email(position), "position": position},
        )
    committee.post(f"/api/elections/{election_id}/state", json={"target": "key_ceremony"})
    keys = committee.post(
        f"/api/elections/{election_id}/ceremony/local", json={"passphrases": PASSPHRASES}
    )["trustee_keys"]
    for target in ("ready", "open"):
        committee.post(f"/api/elections/{election_id}/state", json={"target": target})
    public = committee.get(f"/api/elections/{election_id}/public")
    return election_id, public, [base64.b64decode(k) for k in keys]


def decrypt_as_trustee(base: str, election_id: str, position: int, sealed: bytes) -> Any:
    """What a trustee does with their key file: fetch the tally, post partial decryptions."""
    share = TrusteeShare.from_bytes(open_key(sealed, PASSPHRASES[position - 1]))
    trustee = Committee(base, trustee_email(position))
    try:
        pending = trustee.get(f"/api/elections/{election_id}/tally")
        slots = [ct for q in pending["tally"]["questions"] for ct in q["slots"]]
        labelled = {
            label: Ciphertext.from_json(ct, allow_identity=True)
            for label, ct in zip(pending["labels"], slots, strict=True)
        }
        fingerprint = bytes.fromhex(
            trustee.get(f"/api/elections/{election_id}/public")["fingerprint"]
        )
        partials = partial_decrypt_tally(position, share.secret_share, labelled, fingerprint)
        return trustee.post(
            f"/api/elections/{election_id}/tally/partials",
            json={"round": pending["round"], "partials": [p.to_json() for p in partials]},
        )
    finally:
        trustee.close()


def export_and_verify(env: dict[str, str], election_id: str, out: Path) -> bytes:
    """``ballot record export`` from the database in ``env``, then ``ballot verify`` on it."""
    for args in (["record", "export", election_id, str(out)], ["verify", str(out), "--jobs", "1"]):
        done = subprocess.run(
            [sys.executable, "-m", "ballot.cli", *args],
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            cwd=str(out.parent),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, (args[0], done.stdout[-3000:], done.stderr[-3000:])
    return out.read_bytes()


def run(
    script: Path, *args: str, env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """Run a deploy script seeing only the connection settings given (none of the test's own)."""
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
    # --- an election to its result: 2-of-3 ceremony, votes, close, count by two trustees
    with MailSink() as sink:
        site = deploy(pg_db, procs, key_file, sink.port)
        base, env, web, server_key = site.base, site.env, site.web, site.server_key
        for position in (1, 2, 3):
            create_account(pg_db.url, trustee_email(position), role="trustee")
        committee = Committee(base)
        try:
            election_id, public, sealed = open_with_trustees(
                committee, roll_csv(VOTERS, CHALLENGED)
            )
            assert deliver_here(env) == VOTERS
            inbox = tokens_from_inbox(sink, VOTERS)
            encrypt = Encryptor(public)
            members = []
            with httpx.Client(base_url=base, timeout=60) as http:
                for i in range(VOTERS):
                    ballot, track = encrypt.ballot(choice(i))
                    member = Member(i, inbox[email_of(i)], ballot, track)
                    r = http.post("/api/cast", json={"token": member.token, "ballot": ballot})
                    assert r.status_code == 201, r.text
                    member.receipt = r.json()
                    members.append(member)
            committee.post(f"/api/elections/{election_id}/state", json={"target": "closed"})
            committee.post(f"/api/elections/{election_id}/tally")
        finally:
            committee.close()
        answers = [decrypt_as_trustee(base, election_id, p, sealed[p - 1]) for p in DECRYPTING]
        assert answers[-1]["combined"] and answers[-1]["result"] is not None, answers[-1]
        assert not answers[-1]["result"]["determinative"], answers[-1]["result"]
    web.stop()
    web.assert_no_errors()
    original_record = export_and_verify(env, election_id, tmp_path / "original-record.zip")

    # --- back up, with the server's own setting (asyncpg URL) naming the database
    backups = tmp_path / "backups"
    settings = {"BALLOT_DATABASE_URL": pg_db.url, "BALLOT_SECRET_KEY_FILE": str(key_file)}
    done = run(BACKUP, str(backups), env=settings, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (dump,) = backups.glob(f"{pg_db.name}-*.dump")
    saved_key, checksum = Path(f"{dump}.key"), Path(f"{dump}.sha256")
    assert sorted(p.name for p in backups.iterdir()) == [dump.name, saved_key.name, checksum.name]
    for made in (dump, saved_key, checksum):
        assert stat.S_IMODE(made.stat().st_mode) == 0o600, made
    assert saved_key.read_bytes() == key_file.read_bytes()
    digest = hashlib.sha256(dump.read_bytes()).hexdigest()
    key_digest = hashlib.sha256(saved_key.read_bytes()).hexdigest()
    assert checksum.read_text() == f"{digest}  {dump.name}\n{key_digest}  {saved_key.name}\n"
    assert subprocess.run(["sha256sum", "-c", checksum.name], cwd=backups).returncode == 0

    # an existing backup is never overwritten
    again = run(BACKUP, "-o", str(dump), env=settings, cwd=tmp_path)
    assert again.returncode != 0 and "already exists" in again.stderr, again.stderr
    assert hashlib.sha256(dump.read_bytes()).hexdigest() == digest
    # nor is a backup made without saying which server key goes with it
    keyless = run(BACKUP, str(tmp_path / "keyless"), env={"DATABASE_URL": pg_db.dsn}, cwd=tmp_path)
    assert keyless.returncode != 0 and "server key file" in keyless.stderr, keyless.stderr
    assert not (tmp_path / "keyless").exists()

    server_env = {"DATABASE_URL": pg_db.dsn}
    # never over a database that holds data (here: the live one)
    over = run(RESTORE, str(dump), pg_db.name, env=server_env, cwd=tmp_path)
    assert over.returncode != 0 and "not empty" in over.stderr, over.stderr

    # never a damaged dump: refused before any database is made
    damaged = tmp_path / "damaged.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    Path(f"{damaged}.sha256").write_text(f"{digest}  {damaged.name}\n")
    never = "ballot_never_" + secrets.token_hex(4)
    bad = run(RESTORE, str(damaged), never, env=server_env, cwd=tmp_path)
    assert bad.returncode != 0 and "checksum" in bad.stderr, bad.stderr
    assert not database_exists(pg_db.dsn, never)

    # --- restore into a new database
    restored = "ballot_restored_" + secrets.token_hex(4)
    try:
        done = run(RESTORE, str(dump), restored, env=server_env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert f"{saved_key}:" in done.stdout  # where the server key to install is
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
        assert "tally.result" in [e.kind for e in after.entries]

        # the record from the restored database is the original's, and it verifies
        restored_record = export_and_verify(
            {**env, "BALLOT_DATABASE_URL": restored_url},
            election_id,
            tmp_path / "restored-record.zip",
        )
        assert restored_record == original_record

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


def test_scripts_explain_themselves_and_refuse_bad_use(tmp_path: Path) -> None:
    """--help says what each script does; wrong use is a clear error that touches nothing."""
    for script, words in ((BACKUP, "pg_dump custom format"), (RESTORE, "NEW_DATABASE")):
        shown = run(script, "--help", env={}, cwd=tmp_path)
        assert shown.returncode == 0 and words in shown.stdout, shown.stdout
    sqlite = run(BACKUP, "--no-key", env={"DATABASE_URL": "sqlite:///x.db"}, cwd=tmp_path)
    assert sqlite.returncode != 0 and "not a PostgreSQL URL" in sqlite.stderr
    unnamed = run(RESTORE, "some.dump", env={}, cwd=tmp_path)
    assert unnamed.returncode != 0 and "new database's name" in unnamed.stderr
    odd = run(RESTORE, "some.dump", "x; DROP DATABASE y", env={}, cwd=tmp_path)
    assert odd.returncode != 0 and "letters, digits and _" in odd.stderr
    assert list(tmp_path.iterdir()) == []
