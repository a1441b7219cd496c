"""The HTTP tests' helpers, from ``tests.support.asgi`` (one home for every test package)."""

from __future__ import annotations

from tests.support.accounts import PASSWORD
from tests.support.asgi import (
    BASE,
    ROLL,
    T0,
    FakeClock,
    OpenElection,
    Web,
    create_draft,
    definition,
    make_account,
    make_ready,
    member_links,
    record_local_transcript,
)

__all__ = [
    "BASE",
    "PASSWORD",
    "ROLL",
    "T0",
    "FakeClock",
    "OpenElection",
    "Web",
    "create_draft",
    "definition",
    "make_account",
    "make_ready",
    "member_links",
    "record_local_transcript",
]
