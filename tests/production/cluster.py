"""Real ``ballot`` processes on one fresh PostgreSQL database, and what they must leave behind.

The fault-tolerance claims of issue #6 are about processes, not about one event loop:
two web servers that share nothing but the database, a mail worker in a third process,
a server killed with SIGKILL half-way through a cast.  So these helpers start the real
``ballot serve`` / ``ballot worker`` commands as child processes (each test kills every
child it started, whatever happens) and judge the result from the database itself and
from the receipts the voters were given, with the record's own verification code.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from ballot.crypto.ballots import encrypt_ballot, tracker
from ballot.crypto.group import Element
from ballot.crypto.manifest import ElectionManifest
from ballot.mail.sink import MailSink
from ballot.record.board import BoardEntry, verify_chain
from ballot.record.canonical import canonical_json
from ballot.record.kinds import Kind
from ballot.record.signing import (
    SignedHead,
    verify_head_against_board,
    verify_head_sequence,
    verify_signature,
)
from ballot.store.board import board_entries, board_heads, to_entry, to_head
from ballot.store.cast_tables import CastBallot, ChallengedBallot
from ballot.store.db import make_engine, make_session_factory
from ballot.store.models import Voter, VoterToken
from ballot.store.tokens import hash_token
from ballot.store.types import utcnow

# The shared helpers, named here too for the production tests that import them from us.
from tests.support.accounts import ADMIN, PASSWORD, create_account  # noqa: F401
from tests.support.committee import Committee  # noqa: F401
from tests.support.inbox import Inbox
from tests.support.live import free_port  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
KIND_CAST = Kind.CAST
KIND_CHALLENGED = Kind.CHALLENGED
BALLOT_KINDS = (KIND_CAST, KIND_CHALLENGED)


# ----------------------------------------------------------------------------- processes


@dataclass
class Child:
    """One child process and the file its output goes to (shown when something fails)."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def assert_no_errors(self) -> None:
        """Nothing went wrong that the process only wrote to its log (a failed cast transaction).

        Reads both log formats: uvicorn's text lines and the JSON lines of ``ballot.logs``.
        """
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        marks = ("Traceback", "ERROR", '"level": "error"', '"level": "critical"')
        assert not any(m in text for m in marks), f"{self.name}:\n{self.tail(60)}"

    def kill_now(self) -> None:
        """SIGKILL without waiting: no shutdown code runs, exactly like a crash or the OOM killer."""
        if self.alive():
            os.kill(self.popen.pid, signal.SIGKILL)

    def freeze(self) -> None:
        """SIGSTOP: the process holds whatever it holds (open transactions, unsent replies)."""
        os.kill(self.popen.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.popen.pid, signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL, then reap the process."""
        self.kill_now()
        self.popen.wait(timeout=30)

    def _signal_group(self, sig: int) -> None:
        # Each child leads its own process group (start_new_session), so this reaches
        # uvicorn's worker processes too, and nothing of the test runner's.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)

    def stop(self) -> None:
        """SIGTERM to the child's group, then SIGKILL to what is left after a few seconds."""
        if self.alive():
            self._signal_group(signal.SIGCONT)  # a frozen process would never act on SIGTERM
            self._signal_group(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=8)
        self._signal_group(signal.SIGKILL)  # stragglers: workers whose supervisor died
        self.kill()


def _pythonpath() -> str:
    """Children run the code of this tree (the one under test), whatever is installed."""
    rest = os.environ.get("PYTHONPATH")
    return f"{ROOT}{os.pathsep}{rest}" if rest else str(ROOT)


class Processes:
    """Every child a test started; :meth:`stop_all` runs in the fixture's ``finally``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.children: list[Child] = []

    def start(
        self, name: str, args: Sequence[str], env: Mapping[str, str], module: str = "ballot.cli"
    ) -> Child:
        """``python -m module args...`` (the ``ballot`` command by default), in its own group."""
        log = self.folder / f"{name}-{len(self.children)}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(
                [sys.executable, "-m", module, *args],
                env={**os.environ, **env, "PYTHONPATH": _pythonpath()},
                cwd=str(self.folder),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        child = Child(name, popen, log)
        self.children.append(child)
        return child

    def stop_all(self) -> None:
        for child in self.children:
            try:
                child.stop()
            except Exception:  # keep going: every child must be reaped
                if child.alive():
                    child.popen.kill()


def service_env(
    db_url: str, key_file: Path, base_url: str, smtp_port: int | None = None
) -> dict[str, str]:
    """BALLOT_* settings shared by every process of one deployment (same DB, same keys)."""
    env = {
        "BALLOT_DATABASE_URL": db_url,
        "BALLOT_SECRET_KEY_FILE": str(key_file),
        "BALLOT_BASE_URL": base_url,
        "BALLOT_COOKIE_SECURE": "false",
        "BALLOT_SCHEDULE_INTERVAL": "0",
        "BALLOT_MAIL_RATE": "1000",
        "PYTHONUNBUFFERED": "1",
    }
    if smtp_port is not None:
        env["BALLOT_SMTP_HOST"] = "127.0.0.1"
        env["BALLOT_SMTP_PORT"] = str(smtp_port)
    return env


def wait_http(base: str, child: Child, timeout: float = 45.0) -> None:
    """Until the server answers a page (it listens only after its start-up finished).

    Asks again after a short back-off (10 ms, doubling up to 200 ms), not a fixed pause.
    """
    deadline = time.monotonic() + timeout
    pause = 0.01
    while True:
        if not child.alive():
            raise AssertionError(f"{child.name} exited at start-up:\n{child.tail()}")
        try:
            if httpx.get(base + "/login", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{child.name} did not answer within {timeout} s:\n{child.tail()}")
        time.sleep(pause)
        pause = min(pause * 2, 0.2)


def start_web(procs: Processes, env: Mapping[str, str], port: int, name: str = "web") -> Child:
    """``ballot serve`` on 127.0.0.1:port, returned once it answers HTTP."""
    child = procs.start(name, ["serve", "--host", "127.0.0.1", "--port", str(port)], env)
    wait_http(f"http://127.0.0.1:{port}", child)
    return child


def start_uvicorn_workers(
    procs: Processes, env: Mapping[str, str], port: int, workers: int, name: str = "uvicorn"
) -> Child:
    """The production entry point, as deploy/ballot-web.service runs it: uvicorn's own
    supervisor with ``workers`` processes on the ``app_from_env`` factory (no migrations)."""
    args = [
        "--factory",
        "ballot.web.app:app_from_env",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    child = procs.start(name, args, env, module="uvicorn")
    wait_http(f"http://127.0.0.1:{port}", child)
    return child


# ----------------------------------------------------------------------------- election set-up


def member_id(i: int) -> str:
    return f"M{i:03d}"


def email_of(i: int) -> str:
    return f"m{i:03d}@example.org"


def roll_csv(voters: int, challenged: Iterable[int] = ()) -> str:
    marked = set(challenged)
    rows = "".join(
        f"{member_id(i)},Member {i},{email_of(i)},en,U{i % 3},{'yes' if i in marked else ''}\n"
        for i in range(voters)
    )
    return "member_id,name,email,language,unit,challenged\n" + rows


def definition(k: int = 1, n: int = 1) -> dict[str, Any]:
    """A yes/no vote; opens tomorrow so no scheduler opens it behind the committee's back."""
    now = utcnow()
    return {
        "kind": "recognition",
        "title": {"en": "Recognition vote"},
        "instructions": {"en": "Choose one."},
        "opens_at": (now + timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=8)).isoformat(),
        "rule": "majority",
        "trustees": {"n": n, "k": k},
        "questions": [
            {
                "text": {"en": "Do you want the union?"},
                "min": 1,
                "max": 1,
                "options": [{"en": "Yes"}, {"en": "No"}],
            }
        ],
    }


def tokens_from_inbox(sink: MailSink, count: int, timeout: float = 40.0) -> dict[str, str]:
    """email -> voting token, read from the invitations that reached the SMTP server."""
    if isinstance(sink, Inbox):
        return sink.tokens(sink.wait_for(count, timeout))
    deadline, pause = time.monotonic() + timeout, 0.005
    while len(sink.messages) < count:  # a plain MailSink: short back-off
        if time.monotonic() > deadline:
            raise AssertionError(f"only {len(sink.messages)} of {count} invitations arrived")
        time.sleep(pause)
        pause = min(pause * 2, 0.1)
    return Inbox.tokens(sink)  # type: ignore[arg-type]


def deliver_here(env: Mapping[str, str]) -> int:
    """Send the queued invitations from this process (where no worker process is wanted)."""
    from ballot.config import Settings
    from ballot.mail.worker import run_worker

    settings = Settings(
        database_url=env["BALLOT_DATABASE_URL"],
        secret_key_file=Path(env["BALLOT_SECRET_KEY_FILE"]),
        base_url=env["BALLOT_BASE_URL"],
        smtp_port=int(env["BALLOT_SMTP_PORT"]),
        mail_rate=1000.0,
    )

    async def work() -> int:
        engine = make_engine(settings.database_url)
        try:
            return await run_worker(make_session_factory(engine), settings, once=True)
        finally:
            await engine.dispose()

    return asyncio.run(work())


# ----------------------------------------------------------------------------- voters


@dataclass
class Member:
    """One member with the link from their inbox and the ballot their browser encrypted."""

    index: int
    token: str
    ballot: dict[str, Any]
    tracker: str
    receipt: dict[str, Any] | None = None


class Encryptor:
    """Encrypts like the voter's browser: from the election's published data only."""

    def __init__(self, public: Mapping[str, Any]) -> None:
        self.manifest = ElectionManifest.from_definition(public["definition"])
        self.key = Element.from_hex(public["joint_public_key"])
        self.fingerprint = bytes.fromhex(public["fingerprint"])

    def ballot(self, choice: int) -> tuple[dict[str, Any], str]:
        ballot, _ = encrypt_ballot(self.manifest, self.key, self.fingerprint, [[choice]])
        data = json.loads(json.dumps(ballot.to_json()))  # exactly what goes over the wire
        return data, tracker(data)


@dataclass
class Outcome:
    """What one POST /api/cast came to: a status, or None if the connection failed."""

    status: int | None
    body: dict[str, Any] = field(default_factory=dict)
    error: str = ""


async def post_cast(
    client: httpx.AsyncClient, base: str, token: str, ballot: Mapping[str, Any]
) -> Outcome:
    try:
        r = await client.post(base + "/api/cast", json={"token": token, "ballot": ballot})
    except httpx.HTTPError as exc:
        return Outcome(None, error=f"{type(exc).__name__}: {exc}")
    try:
        body = r.json()
    except ValueError:
        body = {"raw": r.text[:200]}
    return Outcome(r.status_code, body)


# ----------------------------------------------------------------------------- the database's story


@dataclass
class Snapshot:
    """An election's board, heads and voter-link accounting, read straight from the database."""

    entries: list[BoardEntry]
    stored_hashes: list[str]
    heads: list[SignedHead]
    tokens: list[tuple[int, str, str]]  # voter_id, status, token_hash
    voters: dict[int, tuple[str, bool, bool]]  # voter_id -> member_id, challenged, voted
    casts: list[tuple[str, int]]  # tracker, board_seq
    challenged: list[tuple[str, int, str, int]]  # challenge id, voter_id, tracker, board_seq

    def ballot_entries(self) -> list[BoardEntry]:
        return [e for e in self.entries if e.kind in BALLOT_KINDS]

    def used_voters(self) -> list[int]:
        return [v for v, status, _ in self.tokens if status == "used"]

    def status_of(self, token: str) -> str:
        digest = hash_token(token)
        found = [status for _, status, h in self.tokens if h == digest]
        assert len(found) == 1, "a delivered token is not in the database exactly once"
        return found[0]

    def on_board(self, tracker_hex: str) -> list[BoardEntry]:
        return [e for e in self.ballot_entries() if e.payload.get("tracker") == tracker_hex]


async def _snapshot(db_url: str, election_id: str) -> Snapshot:
    engine = make_engine(db_url)
    try:
        async with make_session_factory(engine)() as db:
            rows = await board_entries(db, election_id)
            heads = [to_head(h) for h in await board_heads(db, election_id)]
            tokens = [
                (r.voter_id, r.status, r.token_hash)
                for r in await db.execute(
                    select(VoterToken.voter_id, VoterToken.status, VoterToken.token_hash).where(
                        VoterToken.election_id == election_id
                    )
                )
            ]
            voters = {
                r.id: (r.member_id, bool(r.challenged), r.voted_at is not None)
                for r in await db.execute(
                    select(Voter.id, Voter.member_id, Voter.challenged, Voter.voted_at).where(
                        Voter.election_id == election_id
                    )
                )
            }
            casts = [
                (r.tracker, r.board_seq)
                for r in await db.execute(
                    select(CastBallot.tracker, CastBallot.board_seq).where(
                        CastBallot.election_id == election_id
                    )
                )
            ]
            challenged = [
                (r.id, r.voter_id, r.tracker, r.board_seq)
                for r in await db.execute(
                    select(
                        ChallengedBallot.id,
                        ChallengedBallot.voter_id,
                        ChallengedBallot.tracker,
                        ChallengedBallot.board_seq,
                    ).where(ChallengedBallot.election_id == election_id)
                )
            ]
    finally:
        await engine.dispose()
    return Snapshot(
        [to_entry(r) for r in rows],
        [r.hash for r in rows],
        heads,
        tokens,
        voters,
        casts,
        challenged,
    )


def snapshot(db_url: str, election_id: str) -> Snapshot:
    return asyncio.run(_snapshot(db_url, election_id))


def check_board(snap: Snapshot, server_key: str) -> None:
    """The whole board and its heads verify, and every consumed link has exactly one ballot.

    * seq 0, 1, 2, ... with no gap and no repeat; each stored hash is the entry's hash;
      the chain verifies up to the newest signed head, which covers the last entry;
    * the signed heads chain from the first, each signature checks, each head is still
      on the board (nothing signed was rewritten);
    * ballots: one board entry per ``cast_ballots`` / ``challenged_ballots`` row, at the
      row's seq with the row's tracker; no tracker twice;
    * links: the number of used tokens equals the number of ballot entries; no voter
      consumed two links; the voters marked as voted are exactly those with a used link;
      each challenged ballot's envelope names a voter whose link was used, and each
      challenged voter with a used link has exactly one envelope.
    """
    entries = snap.entries
    assert [e.seq for e in entries] == list(range(len(entries))), "gap or repeated seq"
    assert [e.hash for e in entries] == snap.stored_hashes, "a stored hash is not the entry's"
    assert snap.heads, "no signed head"
    last = snap.heads[-1]
    assert last.seq == len(entries) - 1, f"newest signed head at seq {last.seq} of {len(entries)}"
    verify_chain(entries, last.head_hash)
    verify_head_sequence(snap.heads, server_key)
    for head in snap.heads:
        verify_head_against_board(head, entries, server_key)

    by_seq = {e.seq: e for e in entries}
    ballots = snap.ballot_entries()
    trackers = [str(e.payload["tracker"]) for e in ballots]
    assert len(set(trackers)) == len(trackers), "a tracker appears twice on the board"
    rows = sorted(
        [(seq, KIND_CAST, t) for t, seq in snap.casts]
        + [(seq, KIND_CHALLENGED, t) for _, _, t, seq in snap.challenged]
    )
    assert rows == [(e.seq, e.kind, e.payload["tracker"]) for e in ballots]
    for challenge, _, _, seq in snap.challenged:
        assert by_seq[seq].payload["challenge"] == challenge

    used = snap.used_voters()
    assert len(used) == len(set(used)), "a voter consumed two links"
    assert len(used) == len(ballots), (
        f"{len(used)} links used but {len(ballots)} ballots on the board"
    )
    voted = {v for v, (_, _, has_voted) in snap.voters.items() if has_voted}
    assert voted == set(used), "voters marked as voted differ from the voters whose link was used"
    envelopes = [voter for _, voter, _, _ in snap.challenged]
    assert len(envelopes) == len(set(envelopes))
    assert set(envelopes) == {v for v in used if snap.voters[v][1]}
    assert sum(1 for e in ballots if e.kind == KIND_CAST) == sum(
        1 for v in used if not snap.voters[v][1]
    )


def check_receipt(snap: Snapshot, receipt: Mapping[str, Any], voter: Member, key: str) -> None:
    """A receipt is signed by the server and names an entry that holds this voter's ballot."""
    body = {k: v for k, v in receipt.items() if k != "signature"}
    verify_signature(key, canonical_json(body), str(receipt["signature"]))
    assert receipt["tracker"] == voter.tracker, "the server changed the ballot's tracker"
    seq = int(receipt["seq"])
    assert seq < len(snap.entries), f"receipt seq {seq} is not on the board"
    entry = snap.entries[seq]
    assert entry.kind == receipt["kind"] and entry.kind in BALLOT_KINDS
    assert entry.hash == receipt["entry_hash"]
    assert entry.payload["tracker"] == voter.tracker
    assert entry.payload["ballot"] == voter.ballot, "the board holds another ballot"
    head = SignedHead.from_json(receipt["head"])
    assert head in snap.heads, "the receipt's signed head is not among the board's heads"
