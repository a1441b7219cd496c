"""Benchmark: casting real encrypted ballots against uvicorn (2 workers) on PostgreSQL.

    .venv/bin/python bench/cast.py [--ballots 3000] [--clients 32] [--workers 2] [--pg DSN]
    .venv/bin/python bench/cast.py --smoke [--db URL]     # 200 ballots; SQLite too with --db

What it does, all in one run so throttling hits every figure alike:

1. a fresh PostgreSQL database; an open yes/no election with a real (local) key ceremony
   and one voter link per ballot, set up through the app like a committee would;
2. the ballots are encrypted in Python beforehand (as browsers would), one per link;
3. reference: bare proof verification of the same ballots (``verify_ballot``) on
   2 cores through a process pool -- the ceiling no casting path can beat;
4. ``--clients`` concurrent HTTP clients cast every ballot via ``POST /api/cast`` on
   uvicorn with ``--workers`` processes: proofs verified, tokens consumed, board chained,
   heads signed, receipts returned; latency per request;
5. the CPU duty (../shared/tools/cpu_duty.py) before and after: wall x duty estimates the
   unthrottled cost, so rates are divided by it.

Prints ballots/s, p50 and p99 latency, the same "unthrottled" (x duty) and the ratio
cast rate / bare verification rate.  Targets: >= 150 ballots/s sustained, p99 <= 300 ms,
ratio >= 1/3.  The load generator runs on the same two cores as the server, so it
takes its share of the CPU too (this is a pessimistic figure).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

from duty import cpu_duty  # noqa: E402


def app_from_env() -> Any:
    """uvicorn --factory entry point for the worker processes (settings from BALLOT_*)."""
    from ballot.config import Settings
    from ballot.web import app as web_app

    if os.environ.get("BENCH_NO_PRE_PING"):  # measure what the pool's pre-ping costs
        from ballot.store.db import make_engine

        web_app.make_engine = lambda url, **kw: make_engine(url, pool_pre_ping=False, **kw)  # type: ignore[attr-defined]
    return web_app.create_app(Settings.from_env(), schedule=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ----------------------------------------------------------------------------- set-up


async def set_up(url: str, key_file: Path, voters: int) -> tuple[str, dict[str, Any], list[str]]:
    """Open an election with ``voters`` links; returns (id, public data, tokens)."""
    import httpx

    from ballot.config import Settings
    from ballot.crypto.ceremony import local_ceremony
    from ballot.migrations import upgrade_engine
    from ballot.store import accounts
    from ballot.web.app import create_app

    settings = Settings(
        database_url=url, secret_key_file=key_file, cookie_secure=False, schedule_interval=0
    )
    app = create_app(settings, schedule=False)
    await upgrade_engine(app.state.engine)
    async with app.state.session_factory() as db:
        await accounts.create_account(
            db,
            email="bench@example.org",
            name="bench",
            role="admin",
            password="bench password 123",
            now=app.state.clock(),
        )
        await db.commit()
    roll = "member_id,name,email,language,unit,challenged\n" + "".join(
        f"B{i:06d},Member {i},m{i}@example.org,en,U{i % 10},\n" for i in range(voters)
    )
    definition = {
        "kind": "strike_authorisation",
        "title": {"en": "Strike authorisation"},
        "opens_at": "2026-05-02T09:00:00Z",
        "closes_at": "2026-05-09T17:00:00Z",
        "rule": "supermajority",
        "supermajority": "2/3",
        "trustees": {"n": 1, "k": 1},
        "questions": [
            {
                "text": {"en": "Do you authorise a strike?"},
                "min": 1,
                "max": 1,
                "options": [{"en": "Yes"}, {"en": "No"}],
            }
        ],
    }
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600) as c:
        await c.get("/login")
        h = {"x-csrftoken": c.cookies["csrftoken"]}
        r = await c.post(
            "/api/login",
            json={"email": "bench@example.org", "password": "bench password 123"},
            headers=h,
        )
        r.raise_for_status()
        h = {"x-csrftoken": c.cookies["csrftoken"]}
        election_id = (await c.post("/api/elections", json=definition, headers=h)).json()["id"]
        (
            await c.post(f"/api/elections/{election_id}/roll", content=roll.encode(), headers=h)
        ).raise_for_status()
        (
            await c.post(
                f"/api/elections/{election_id}/state", json={"target": "key_ceremony"}, headers=h
            )
        ).raise_for_status()
        digest = bytes.fromhex(
            (await c.get(f"/api/elections/{election_id}/ceremony")).json()["manifest_hash"]
        )
        transcript, _ = local_ceremony(1, 1, digest)
        (
            await c.post(
                f"/api/elections/{election_id}/ceremony/transcript",
                json=json.loads(json.dumps(transcript)),
                headers=h,
            )
        ).raise_for_status()
        for target in ("ready", "open"):
            (
                await c.post(
                    f"/api/elections/{election_id}/state", json={"target": target}, headers=h
                )
            ).raise_for_status()
        public = (await c.get(f"/api/elections/{election_id}/public")).json()
    async with app.state.session_factory() as db:
        issued = await invited_tokens(db, election_id)
    await app.state.engine.dispose()
    return election_id, public, issued


async def invited_tokens(db: Any, election_id: str) -> list[str]:
    """The voting links' tokens, read from the queued invitations as each voter gets them."""
    import re

    from sqlalchemy import select

    from ballot.store.outbox import OutboxMessage

    bodies = await db.scalars(
        select(OutboxMessage.body_text).where(
            OutboxMessage.election_id == election_id, OutboxMessage.kind == "invitation"
        )
    )
    link = re.compile(r"/v/([A-Za-z0-9_-]{40,64})")
    return [match.group(1) for body in bodies if (match := link.search(body or ""))]


# ----------------------------------------------------------------------------- ballots

_PUB: dict[str, Any] = {}


def _init(public: dict[str, Any]) -> None:
    from ballot.crypto.group import Element
    from ballot.crypto.manifest import ElectionManifest

    _PUB["m"] = ElectionManifest.from_definition(public["definition"])
    _PUB["k"] = Element.from_hex(public["joint_public_key"])
    _PUB["fp"] = bytes.fromhex(public["fingerprint"])


def _encrypt(i: int) -> str:
    from ballot.crypto.ballots import encrypt_ballot

    ballot, _ = encrypt_ballot(_PUB["m"], _PUB["k"], _PUB["fp"], [[i % 2]])
    return json.dumps(ballot.to_json())


def _verify(ballot_json: str) -> None:
    from ballot.crypto.ballots import verify_ballot

    verify_ballot(_PUB["m"], _PUB["k"], _PUB["fp"], json.loads(ballot_json))


def _chunked(fn: Any, items: list[Any]) -> Any:
    return [fn(x) for x in items]


def pool_map(
    public: dict[str, Any], fn: Any, items: list[Any], cores: int
) -> tuple[list[Any], float, float]:
    """Map over a 2-process pool: (results, wall seconds, CPU seconds of the workers);
    neither counts starting the pool."""
    with ProcessPoolExecutor(cores, initializer=_init, initargs=(public,)) as pool:
        list(pool.map(_init, [public] * cores))  # warm the workers
        pids = list(pool._processes)  # no public way to name the workers
        size = max(1, len(items) // (cores * 8))
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        cpu0 = sum(tree_cpu_seconds(p) for p in pids)
        t0 = time.perf_counter()
        out = [y for part in pool.map(_chunked, [fn] * len(chunks), chunks) for y in part]
        wall = time.perf_counter() - t0
        return out, wall, sum(tree_cpu_seconds(p) for p in pids) - cpu0


def backend_cpu_seconds(dsn: str, database: str) -> float:
    """CPU seconds of the PostgreSQL backends serving ``database`` (the server's pool)."""
    import asyncpg

    async def pids() -> list[int]:
        conn = await asyncpg.connect(dsn)
        try:
            rows = await conn.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                database,
            )
            return [int(r["pid"]) for r in rows]
        finally:
            await conn.close()

    return sum(tree_cpu_seconds(p) for p in asyncio.run(pids()))


# ----------------------------------------------------------------------------- load


async def _post(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, body: bytes
) -> int:
    """One keep-alive HTTP/1.1 POST /api/cast; returns the status code (body read and dropped).

    A hand-rolled client: httpx costs about as much CPU per request as the server's
    whole cast, and the load generator shares the server's two cores.
    """
    writer.write(
        b"POST /api/cast HTTP/1.1\r\nHost: " + host.encode() + b"\r\n"
        b"Content-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def load(
    port: int, bodies: list[bytes], clients: int
) -> tuple[list[float], float, dict[int, int]]:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for b in bodies:
        queue.put_nowait(b)
    latencies: list[float] = []
    codes: dict[int, int] = {}
    host = f"127.0.0.1:{port}"

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while True:
                try:
                    body = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                t0 = time.perf_counter()
                status = await _post(reader, writer, host, body)
                latencies.append(time.perf_counter() - t0)
                codes[status] = codes.get(status, 0) + 1
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return latencies, time.perf_counter() - t0, codes


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        p = pending.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                kids = (task / "children").read_text().split()
                pending.extend(int(k) for k in kids)
        except (OSError, IndexError, ValueError):
            continue
    return total


def start_profilers(pid: int, folder: Path) -> list[subprocess.Popen[bytes]]:
    """py-spy (``pip install py-spy``) on each worker: where the server's CPU goes."""
    folder.mkdir(parents=True, exist_ok=True)
    workers = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    spy = Path(sys.executable).with_name("py-spy")
    options = ["--rate", "250", "--nonblocking", "--format", "raw"]
    return [
        subprocess.Popen(
            [str(spy), "record", "--pid", w, *options, "--output", str(folder / f"w{w}.txt")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for w in workers
    ]


def stop_profilers(spies: list[subprocess.Popen[bytes]]) -> None:
    import signal

    for spy in spies:
        spy.send_signal(signal.SIGINT)
    for spy in spies:
        spy.wait(timeout=30)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def board_check(url: str, election_id: str) -> tuple[int, int]:
    from ballot.record.board import verify_chain
    from ballot.record.kinds import Kind
    from ballot.store.board import board_entries, latest_head, to_entry
    from ballot.store.db import make_engine, make_session_factory

    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as db:
            rows = await board_entries(db, election_id)
            head = await latest_head(db, election_id)
        assert head is not None
        verify_chain([to_entry(r) for r in rows], head.head)
        return len(rows), sum(1 for r in rows if r.kind == Kind.CAST)
    finally:
        await engine.dispose()


def pg(dsn: str, sql: str) -> None:
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ballots", type=int, default=3000)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cores", type=int, default=2, help="processes for the bare verification")
    ap.add_argument(
        "--pg",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server (admin DSN) on which a fresh database is made and dropped",
    )
    ap.add_argument(
        "--db",
        help="URL of an empty database to use instead (sqlite+aiosqlite:///FILE or "
        "postgresql+asyncpg://...); kept afterwards",
    )
    ap.add_argument(
        "--smoke", action="store_true", help="200 ballots, 8 clients, short duty samples"
    )
    ap.add_argument("--duty-seconds", type=float, default=3.0)
    ap.add_argument(
        "--profile",
        type=Path,
        help="folder: sample each worker with py-spy during the load (collapsed stacks)",
    )
    args = ap.parse_args()
    if args.smoke:
        args.ballots, args.clients, args.duty_seconds = 200, 8, 0.3

    made = None
    if args.db:
        url = args.db
    else:
        made = "ballot_bench_" + secrets.token_hex(4)
        pg(args.pg, f'CREATE DATABASE "{made}"')
        base = args.pg.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        url = f"{base}/{made}"
    on_postgresql = url.startswith("postgresql")
    pg_admin = url.replace("postgresql+asyncpg://", "postgresql://") if on_postgresql else ""
    database = url.rsplit("/", 1)[1] if on_postgresql else ""
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"database: {url.split(':')[0].split('+')[0]}")
    folder = Path(tempfile.mkdtemp(prefix="ballot-bench-"))
    key_file = folder / "secret.key"
    server = None
    try:
        t0 = time.perf_counter()
        election_id, public, tokens = asyncio.run(set_up(url, key_file, args.ballots))
        print(
            f"set-up: election {election_id}, {len(tokens)} links, {time.perf_counter() - t0:.1f} s"
        )
        ballots, enc_wall, _ = pool_map(public, _encrypt, list(range(args.ballots)), args.cores)
        print(f"pre-encrypted {len(ballots)} ballots in {enc_wall:.1f} s (not part of the figures)")

        duty_before = cpu_duty(args.duty_seconds)
        _, verify_wall, verify_cpu = pool_map(public, _verify, ballots, args.cores)

        port = free_port()
        env = {
            **os.environ,
            "BALLOT_DATABASE_URL": url,
            "BALLOT_SECRET_KEY_FILE": str(key_file),
            "BALLOT_SCHEDULE_INTERVAL": "0",
            "BALLOT_COOKIE_SECURE": "false",
            # Every client of the bench has one address: the per-address backstop limit
            # (ballot.web.ratelimit) would refuse most casts.
            "BALLOT_TOKEN_RATE": "0",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "cast:app_from_env",
                "--app-dir",
                str(ROOT / "bench"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
            cwd=str(ROOT),
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.2)
        time.sleep(1.0)  # let every worker finish starting
        bodies = [
            json.dumps({"token": t, "ballot": json.loads(b)}).encode()
            for t, b in zip(tokens, ballots, strict=True)
        ]
        spies = start_profilers(server.pid, args.profile) if args.profile else []
        server_cpu0, client_cpu0 = tree_cpu_seconds(server.pid), time.process_time()
        latencies, wall, codes = asyncio.run(load(port, bodies, args.clients))
        stop_profilers(spies)
        server_cpu = tree_cpu_seconds(server.pid) - server_cpu0
        client_cpu = time.process_time() - client_cpu0
        # The pool's backends were opened during the load: their whole CPU is the load's.
        database_cpu = backend_cpu_seconds(pg_admin, database) if on_postgresql else 0.0
        # The reference again, right after: other load on the machine drifts, so the
        # ratio uses the mean of the reference before and after the casts.
        _, verify_wall2, verify_cpu2 = pool_map(public, _verify, ballots, args.cores)
        verify_wall, verify_cpu = (verify_wall + verify_wall2) / 2, (verify_cpu + verify_cpu2) / 2
        bare_rate = len(ballots) / verify_wall
        duty_after = cpu_duty(args.duty_seconds)
        entries, cast_entries = asyncio.run(board_check(url, election_id))

        duties = [d for d in (duty_before, duty_after) if d is not None]
        duty = statistics.mean(duties) if duties else 1.0
        rate = len(bodies) / wall
        p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
        print(
            f"status codes: {codes}; board: {entries} entries, {cast_entries} ballot.cast, chain and head verify"
        )
        print(f"cpu duty: before {duty_before}, after {duty_after} (mean {duty:.2f})")
        print(
            f"bare verification ({args.cores} processes): {bare_rate:.0f} ballots/s "
            f"(wall {verify_wall:.2f} s; x duty -> {bare_rate / duty:.0f}/s unthrottled)"
        )
        print(
            f"cast ({args.clients} clients, {args.workers} workers): {rate:.0f} ballots/s "
            f"(wall {wall:.2f} s; x duty -> {rate / duty:.0f}/s unthrottled)"
        )
        print(
            f"latency: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms "
            f"(x duty -> p50 {p50 * duty * 1000:.0f} ms, p99 {p99 * duty * 1000:.0f} ms)"
        )
        n = len(bodies)
        cast_cpu = server_cpu + database_cpu + client_cpu
        print(
            f"CPU per ballot: server {server_cpu / n * 1000:.2f} ms, "
            f"PostgreSQL backends {database_cpu / n * 1000:.2f} ms"
            + ("" if on_postgresql else " (SQLite: in the server)")
            + ", "
            f"load generator {client_cpu / n * 1000:.2f} ms; "
            f"bare verification {verify_cpu / n * 1000:.2f} ms"
        )
        print(
            f"ratio cast / bare verification: {rate / bare_rate:.2f} (target >= 0.33; "
            f"bare verification measured before and after the casts: "
            f"{len(ballots) / verify_wall2:.0f}/s after)"
        )
        print(
            f"CPU ratio (bare verification CPU / all CPU of a cast, which load from other "
            f"programs does not distort): {verify_cpu / cast_cpu:.2f}"
        )
        ok = codes.get(201, 0) == len(bodies) and cast_entries == len(bodies)
        print("all ballots accepted" if ok else "SOME BALLOTS WERE NOT ACCEPTED")
        return 0 if ok else 1
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        if made is not None:
            pg(args.pg, f'DROP DATABASE IF EXISTS "{made}" WITH (FORCE)')


if __name__ == "__main__":
    raise SystemExit(main())
