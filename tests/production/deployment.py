"""One ``ballot serve`` process on a fresh PostgreSQL database, and an election open on it.

What the single-server production tests set up the same way before each does its own
damage (a backup, a lock held from outside, a SIGKILL): the database migrated, the
admin account, the web process, and the members' links from their invitations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ballot.migrations import upgrade
from ballot.store.serverkey import load_or_create
from tests.support.accounts import create_account
from tests.support.committee import Committee
from tests.support.inbox import Inbox
from tests.support.live import free_port

from .cluster import (
    Child,
    Processes,
    definition,
    deliver_here,
    roll_csv,
    service_env,
    start_web,
    tokens_from_inbox,
)
from .conftest import PgDatabase


@dataclass(frozen=True)
class Deployment:
    """The web process serving a database: its port, its settings and its board key."""

    port: int
    env: dict[str, str]
    web: Child
    server_key: str

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def deploy(pg_db: PgDatabase, procs: Processes, key_file: Path, smtp_port: int) -> Deployment:
    """Migrate ``pg_db``, make the admin account and start ``ballot serve`` on a free port,
    its mail going to ``smtp_port``; returned once it answers."""
    upgrade(pg_db.url)
    create_account(pg_db.url)
    server_key = load_or_create(key_file).board_key.public_hex
    port = free_port()
    env = service_env(pg_db.url, key_file, f"http://127.0.0.1:{port}", smtp_port=smtp_port)
    return Deployment(port, env, start_web(procs, env, port, "web"), server_key)


def open_for_voting(
    site: Deployment, sink: Inbox, voters: int, challenged: Iterable[int] = ()
) -> tuple[str, dict[str, Any], dict[str, str]]:
    """The tests' yes/no election open on ``site`` for ``voters`` members (``challenged``
    ones marked so), its invitations sent from this process to ``sink``: the election's
    id, its public data and each member's link token by e-mail address."""
    committee = Committee(site.base)
    try:
        election_id, public, _ = committee.open_election(definition(), roll_csv(voters, challenged))
    finally:
        committee.close()
    assert deliver_here(site.env) == voters
    return election_id, public, tokens_from_inbox(sink, voters)
