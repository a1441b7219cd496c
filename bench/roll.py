"""Benchmark: import a large roll, issue every token and queue every invitation, then send them.

    .venv/bin/python bench/roll.py --members 260000 [--db URL] [--no-send]

Prints wall seconds for each phase, the CPU duty measured in the same run by
/work/shared/tools/cpu_duty.py (this machine's vCPUs are throttled in bursts), and
wall x duty, the estimate of the cost on an unthrottled CPU.  Targets (wall x duty):
import + token issue under 60 s for 260,000 members; sending at least 200 messages/s.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ballot.config import Settings  # noqa: E402
from ballot.i18n import LANGUAGES  # noqa: E402

DUTY_TOOL_CANDIDATES = [
    Path("/work/shared/tools/cpu_duty.py"),
    ROOT.parent / "shared/tools/cpu_duty.py",
]


def duty(seconds: float = 2.0) -> float:
    for tool in DUTY_TOOL_CANDIDATES:
        if tool.exists():
            out = subprocess.run(
                [sys.executable, str(tool), str(seconds)],
                capture_output=True,
                text=True,
                check=True,
            )
            return float(out.stdout.strip())
    return float("nan")


def roll_csv(members: int) -> str:
    languages = list(LANGUAGES)
    lines = ["member_id,name,email,language,unit,challenged"]
    for i in range(members):
        lines.append(
            f"M{i:07d},Member {i},member{i}@example.org,{languages[i % len(languages)]},Local {i % 40},"
            + ("yes" if i % 997 == 0 else "")
        )
    return "\n".join(lines) + "\n"


def definition(now: datetime) -> dict:
    texts = {code: f"[{code}] Contract ratification" for code in LANGUAGES}
    return {
        "kind": "ratification",
        "title": texts,
        "opens_at": (now + timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=20)).isoformat(),
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


async def prepare(settings: Settings, members: int) -> dict[str, float]:
    from ballot.migrations import upgrade_engine
    from ballot.store.db import make_engine, make_session_factory
    from ballot.store.elections import create_election, parse_definition
    from ballot.store.roll import import_roll
    from ballot.store.serverkey import load_or_create
    from ballot.web import operations as ops

    engine = make_engine(settings.database_url)
    await upgrade_engine(engine)
    factory = make_session_factory(engine)
    now = datetime.now(UTC)
    ctx = ops.Context(settings, load_or_create(settings.secret_key_file).board_key, "bench", now)
    text = roll_csv(members)
    figures: dict[str, float] = {}
    try:
        async with factory() as db:
            election = await create_election(
                db, parse_definition(definition(now)), now, election_id="bench"
            )
            await db.commit()
            t0 = time.perf_counter()
            result = await import_roll(db, election.id, text)
            assert result.ok, result.problems[:5]
            await db.commit()
            figures["import"] = time.perf_counter() - t0
            await ops.transition(db, ctx, election, "key_ceremony")
            await ops.accept_transcript(db, ctx, election, {"joint_public_key": "58" + "66" * 31})
            await ops.transition(db, ctx, election, "ready")
            await db.commit()
            t0 = time.perf_counter()
            await ops.transition(db, ctx, election, "open")
            await db.commit()
            figures["open (tokens + invitations)"] = time.perf_counter() - t0
    finally:
        await engine.dispose()
    return figures


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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=260_000)
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--no-send", action="store_true", help="skip the sending phase")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ballot-bench-"))
    settings = Settings(
        database_url=args.db or f"sqlite+aiosqlite:///{work / 'bench.sqlite3'}",
        secret_key_file=work / "secret.key",
        base_url="https://vote.example.org",
    )
    d0 = duty()
    figures = asyncio.run(prepare(settings, args.members))
    d1 = duty()
    sent = None
    if not args.no_send:
        sent = asyncio.run(send(settings))
        d2 = duty()
    print(f"members: {args.members}  database: {settings.database_url.split(':')[0]}")
    d_prep = (d0 + d1) / 2
    total = sum(figures.values())
    for name, seconds in figures.items():
        print(f"{name:32s} {seconds:8.1f} s wall   x duty {d_prep:.2f} = {seconds * d_prep:7.1f} s")
    print(
        f"{'import + token issue (total)':32s} {total:8.1f} s wall   x duty {d_prep:.2f} = {total * d_prep:7.1f} s  (target < 60 s)"
    )
    if sent is not None:
        count, seconds = sent
        d_send = (d1 + d2) / 2
        rate = count / seconds if seconds else float("nan")
        print(
            f"{'sending':32s} {count} messages in {seconds:.1f} s wall = {rate:.0f} msgs/s;"
            f" duty {d_send:.2f} -> {rate / d_send:.0f} msgs/s unthrottled (target >= 200)"
        )
    print(f"duty samples: {d0:.2f} {d1:.2f}" + (f" {d2:.2f}" if sent is not None else ""))
    if args.keep:
        print(f"database kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)  # 260,000 queued messages are over a gigabyte


if __name__ == "__main__":
    main()
