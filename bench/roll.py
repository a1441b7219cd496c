"""Benchmark: import a large roll, open the vote (freeze, tokens, invitations), then send.

    .venv/bin/python bench/roll.py --members 260000 [--db URL] [--no-send]
    .venv/bin/python bench/roll.py --smoke [--db URL]      # 300 members, a few seconds

The election is built as a committee builds it, through the same calls the API makes:
the definition, the roll import, the key ceremony run by the server for every trustee
(the local/demo ceremony path, a real threshold ceremony), ready, then open.  Only the
import and the opening are timed.  Afterwards the roll, the active tokens and the queued
invitations are counted: a run that did not produce one of each per member fails.

Prints wall seconds for each phase, the CPU duty measured in the same run by
``cpu_duty.py`` (this machine's vCPUs are throttled in bursts), and wall x duty, the
estimate of the cost on an unthrottled CPU.  Targets (wall x duty): import + open at
most 30 s for 260,000 members on PostgreSQL; sending at least 200 messages/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from duty import cpu_duty, mean_duty, show  # noqa: E402

from ballot.config import Settings  # noqa: E402
from ballot.election.languages import LANGUAGES  # noqa: E402

TARGET_SECONDS = 30.0
SMOKE_MEMBERS = 300


def roll_csv(members: int) -> str:
    languages = list(LANGUAGES)
    lines = ["member_id,name,email,language,unit,challenged"]
    for i in range(members):
        lines.append(
            f"M{i:07d},Member {i},member{i}@example.org,{languages[i % len(languages)]},Local {i % 40},"
            + ("yes" if i % 997 == 0 else "")
        )
    return "\n".join(lines) + "\n"


def definition(now: datetime) -> dict[str, Any]:
    texts = {code: f"[{code}] Contract ratification" for code in LANGUAGES}
    return {
        "kind": "ratification",
        "title": texts,
        "opens_at": (now + timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=20)).isoformat(),
        "trustees": {"n": 3, "k": 2},
        "questions": [
            {
                "text": {code: f"[{code}] Ratify the agreement?" for code in LANGUAGES},
                "options": [
                    {code: f"[{code}] Yes" for code in LANGUAGES},
                    {code: f"[{code}] No" for code in LANGUAGES},
                ],
            }
        ],
    }


def process_cpu(pid: int | None) -> float:
    """User + system CPU seconds of a local process (a PostgreSQL backend), 0 if unknown."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Phases:
    """Wall and CPU seconds of each phase: ours, and the PostgreSQL backend's serving us.

    CPU seconds are not distorted by other load on the machine, as wall seconds are.
    """

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.database_cpu: dict[str, float] = {}
        self._started: tuple[float, float, float] = (0.0, 0.0, 0.0)
        self.backend: int | None = None

    async def watch(self, db: Any) -> None:
        from sqlalchemy import text

        if db.bind.dialect.name == "postgresql":
            self.backend = await db.scalar(text("SELECT pg_backend_pid()"))
        else:
            self.backend = None

    def start(self) -> None:
        self._started = (time.perf_counter(), time.process_time(), process_cpu(self.backend))

    def stop(self, name: str) -> None:
        wall, cpu, database = self._started
        self.start()
        now_wall, now_cpu, now_database = self._started
        self.wall[name] = now_wall - wall
        self.cpu[name] = now_cpu - cpu
        self.database_cpu[name] = now_database - database


async def prepare(settings: Settings, members: int) -> tuple[Phases, dict[str, int]]:
    """Build and open the election; returns the timed phases and the counts afterwards."""
    from ballot.mail.outbox import delivery_summary
    from ballot.migrations import upgrade_engine
    from ballot.service import acting, ceremony, lifecycle
    from ballot.store.db import make_engine, make_session_factory
    from ballot.store.elections import create_election, parse_definition
    from ballot.store.roll import import_roll, roll_size
    from ballot.store.serverkey import load_or_create
    from ballot.store.tokens import token_counts

    engine = make_engine(settings.database_url)
    await upgrade_engine(engine)
    factory = make_session_factory(engine)
    now = datetime.now(UTC)
    phases = Phases()
    ctx = acting.Acting(
        settings,
        load_or_create(settings.secret_key_file).board_key,
        "bench",
        now,
        on_issued=lambda issued: phases.stop("open: freeze + token issue"),
    )
    text = roll_csv(members)
    try:
        async with factory() as db:
            # As the service creates it: bound to the board key (its roll gets aliases).
            election = await create_election(
                db, parse_definition(definition(now)), now, board_key=ctx.board_key.public_hex
            )
            await db.commit()
            election_id = election.id
        async with factory() as db:
            election = await acting.get_election(db, election_id, lock=True)
            acting.require_roll_editable(election)
            await phases.watch(db)
            phases.start()
            result = await import_roll(db, election_id, text)
            if not result.ok:
                raise SystemExit(f"the roll was refused: {result.problems[:5]}")
            await db.commit()
            phases.stop("roll import")
        async with factory() as db:
            election = await acting.get_election(db, election_id, lock=True)
            await lifecycle.transition(db, ctx, election, "key_ceremony")
            passphrases = [secrets.token_urlsafe(12) for _ in range(election.trustees_n)]
            await ceremony.run_local_ceremony(db, ctx, election, passphrases)
            await lifecycle.transition(db, ctx, election, "ready")
            await db.commit()
        async with factory() as db:
            election = await acting.get_election(db, election_id, lock=True)
            await phases.watch(db)
            phases.start()
            await lifecycle.transition(db, ctx, election, "open")
            phases.stop("open: invitations queued")
            await db.commit()
            phases.stop("open: commit")
        async with factory() as db:
            counts = {
                "roll": await roll_size(db, election_id),
                "active tokens": (await token_counts(db, election_id)).get("active", 0),
                "queued invitations": (await delivery_summary(db, election_id))["counts"]["queued"],
            }
    finally:
        await engine.dispose()
    return phases, counts


async def send(settings: Settings) -> tuple[int, float]:
    from ballot.mail.sink import MailSink
    from ballot.mail.worker import run_worker
    from ballot.store.db import make_engine, make_session_factory

    sink = MailSink(keep=False)  # count only: 260,000 parsed messages would not fit memory
    sink.start()
    engine = make_engine(settings.database_url)
    try:
        run_settings = settings.with_(smtp_port=sink.port, mail_rate=1_000_000.0)
        t0 = time.perf_counter()
        await run_worker(make_session_factory(engine), run_settings, once=True)
        elapsed = time.perf_counter() - t0
        return sink.count, elapsed
    finally:
        await engine.dispose()
        sink.stop()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=260_000)
    parser.add_argument("--db", help="URL of an empty database (default: a fresh SQLite file)")
    parser.add_argument("--no-send", action="store_true", help="skip the sending phase")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--duty-seconds", type=float, default=2.0)
    parser.add_argument(
        "--smoke", action="store_true", help=f"{SMOKE_MEMBERS} members, short duty samples"
    )
    args = parser.parse_args()
    if args.smoke:
        args.members, args.duty_seconds = SMOKE_MEMBERS, 0.3
    work = Path(tempfile.mkdtemp(prefix="ballot-bench-"))
    settings = Settings(
        database_url=args.db or f"sqlite+aiosqlite:///{work / 'bench.sqlite3'}",
        secret_key_file=work / "secret.key",
        base_url="https://vote.example.org",
    )
    try:
        d0 = cpu_duty(args.duty_seconds)
        phases, counts = asyncio.run(prepare(settings, args.members))
        d1 = cpu_duty(args.duty_seconds)
        sent = None
        if not args.no_send:
            sent = asyncio.run(send(settings))
            d2 = cpu_duty(args.duty_seconds)
    finally:
        if args.keep:
            print(f"kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)  # 260,000 queued messages: over a gigabyte
    engine_name = settings.database_url.split(":")[0].split("+")[0]
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"members: {args.members}  database: {engine_name}")
    d_prep = mean_duty(d0, d1)
    on_postgresql = engine_name == "postgresql"
    print(
        f"{'phase':32s} {'wall s':>8} {'x duty ' + show(d_prep):>14} {'our CPU s':>10}"
        + (f" {'PostgreSQL CPU s':>17}" if on_postgresql else "")
    )
    opening = [name for name in phases.wall if name.startswith("open")]
    rows = {name: [name] for name in phases.wall}
    rows["open (total)"] = opening
    rows["import + open (total)"] = ["roll import", *opening]
    for name, parts in rows.items():
        seconds = sum(phases.wall[n] for n in parts)
        cpu = sum(phases.cpu[n] for n in parts)
        database = sum(phases.database_cpu[n] for n in parts)
        scaled = "" if d_prep is None else f"{seconds * d_prep:14.2f}"
        print(
            f"{name:32s} {seconds:8.2f} {scaled:>14} {cpu:10.2f}"
            + (f" {database:17.2f}" if on_postgresql else "")
        )
    total = sum(phases.wall[n] for n in rows["import + open (total)"])
    if d_prep is not None:
        verdict = "OK" if total * d_prep <= TARGET_SECONDS else "MISSED"
        print(
            f"target: import + open <= {TARGET_SECONDS:.0f} s x duty: {verdict} "
            f"({total:.1f} s x {d_prep:.2f} = {total * d_prep:.1f} s)"
        )
    ok = all(n == args.members for n in counts.values())
    print("after opening: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if sent is not None:
        count, seconds = sent
        d_send = mean_duty(d1, d2)
        rate = count / seconds if seconds else float("nan")
        unthrottled = "" if d_send is None else f" -> {rate / d_send:.0f} msgs/s unthrottled"
        print(
            f"{'sending':32s} {count} messages in {seconds:.1f} s wall = {rate:.0f} msgs/s;"
            f" duty {show(d_send)}{unthrottled} (target >= 200)"
        )
        ok = ok and count == args.members
    print("duty samples: " + " ".join(show(d) for d in (d0, d1, *([d2] if sent else []))))
    print("all members on the roll, with a token and an invitation" if ok else "COUNTS DIFFER")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
