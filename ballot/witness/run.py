"""The witness at work: poll the board, verify what is new, cosign, hand the cosignature in.

One poll, in this order (so every head fetched can be checked against entries fetched):

1. the server's new signed heads, then its new entries (the board only grows, so the
   entries cover every head fetched before them);
2. the entries verified and kept, then the heads verified and kept;
3. if a newer head than the last cosigned one is verified and the definition in force
   names this witness: a cosignature, written to the log *first*, then posted (a post
   that fails is retried at the next poll; the server takes a cosignature twice calmly).

The loop polls until the election is certified and the head covering the certification
is cosigned, or once with ``once``.  A :class:`~ballot.witness.follow.BoardProblem`
stops the witness at once: it never cosigns a board it could not verify.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from ballot.record.cosign import Cosignature, WitnessKey, cosign
from ballot.trustee.client import TrusteeError, Unreachable
from ballot.witness.client import WitnessClient
from ballot.witness.follow import BoardProblem, Follower
from ballot.witness.state import WitnessState

#: Entries per batch when the state folder is read back (resume).
_RESUME_BATCH = 2000


class Reporter(Protocol):
    """Where the witness says what it does (the command prints it with rich)."""

    def step(self, message: str) -> None: ...

    def note(self, message: str) -> None: ...

    def progress(self, done: int, total: int) -> None: ...


class NotNamed(Exception):
    """The definition in force does not name this witness's key: nothing may be cosigned."""


@dataclass
class Poll:
    """What one poll did."""

    entries: int = 0
    heads: int = 0
    cosigned: Cosignature | None = None
    posted: int = 0
    certified: bool = False


def resume(state: WitnessState, follower: Follower, report: Reporter) -> None:
    """Rebuild what was verified before from the state folder (no ballot proofs again)."""
    batch: list[bytes] = []
    for line in state.board_lines():
        batch.append(line)
        if len(batch) == _RESUME_BATCH:
            follower.add_lines(batch, proofs=False)
            batch = []
    follower.add_lines(batch, proofs=False)
    follower.add_heads(state.heads())
    if follower.seq >= 0:
        report.note(
            f"continuing: {follower.seq + 1} entries and {state.head_count} signed heads "
            f"verified before, {state.cosigned_count} cosignatures in the log"
        )


def _fetch_heads(client: WitnessClient, start: int) -> list[dict[str, Any]]:
    heads: list[dict[str, Any]] = []
    following: int | None = start
    while following is not None:
        page, following = client.heads(following)
        heads.extend(page)
        if not page:
            break
    return heads


def _entries_pages(client: WitnessClient, after: int) -> Any:
    following: int | None = after
    while following is not None:
        page, following = client.entries(following)
        if not page:
            return
        yield page


def _post_pending(client: WitnessClient, state: WitnessState) -> int:
    """Post the log's cosignatures the server has not acknowledged; how many went in."""
    posted = 0
    while state.pending:
        client.post_cosignature(state.pending[0].to_json())
        state.acknowledged()
        posted += 1
    return posted


def poll(
    client: WitnessClient,
    state: WitnessState,
    follower: Follower,
    key: WitnessKey,
    report: Reporter,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Poll:
    """One round: fetch, verify, keep, cosign, post."""
    done = Poll()
    heads = _fetch_heads(client, state.head_count)
    for page in _entries_pages(client, follower.seq):
        lines = follower.add_entries(page, progress=report.progress)
        state.add_board(lines)
        done.entries += len(lines)
        report.step(f"verified board entries {follower.seq - len(lines) + 1}–{follower.seq}")
    verified = follower.add_heads(heads)
    state.add_heads([h.to_json() for h in verified])
    done.heads = len(verified)
    head = follower.last_head
    last = state.last_cosigned
    if head is not None and follower.definition is None:
        report.note("the definition was withdrawn: nothing to cosign until a new one")
    elif head is not None and (last is None or last.signed_head != head.hash):
        name = follower.witness_name()
        if name is None:
            raise NotNamed(
                "the definition in force does not name this witness's key "
                f"({key.public_hex}): ask the committee to name it (before the key ceremony)"
            )
        cosignature = cosign(key, head, clock())
        state.add_cosignature(cosignature)
        done.cosigned = cosignature
        report.step(f"cosigned the server's head on board entry {head.seq} as {name!r}")
    done.posted = _post_pending(client, state)
    last = state.last_cosigned
    done.certified = (
        follower.finished
        and head is not None
        and head.seq == follower.seq
        and last is not None
        and last.signed_head == head.hash
        and not state.pending
    )
    return done


def follow_board(
    client: WitnessClient,
    state: WitnessState,
    follower: Follower,
    key: WitnessKey,
    report: Reporter,
    *,
    once: bool = False,
    interval: float = 10.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Poll:
    """Poll until the election is certified and its last head cosigned (or once).

    A server that cannot be reached is tried again after ``interval`` (with ``once``,
    the error is raised).  Raises :class:`BoardProblem`, :class:`NotNamed` or a
    :class:`~ballot.trustee.client.TrusteeError` for anything else.
    """
    while True:
        try:
            done = poll(client, state, follower, key, report)
        except Unreachable as exc:
            if once:
                raise
            report.note(f"{exc}; trying again in {interval:g} s")
            sleep(interval)
            continue
        if done.certified or once:
            return done
        sleep(interval)


__all__ = [
    "BoardProblem",
    "NotNamed",
    "Poll",
    "Reporter",
    "TrusteeError",
    "follow_board",
    "poll",
    "resume",
]
