"""Group commit: the casts of a batch share one transaction per election.

In that transaction: lock the election row (``SELECT ... FOR UPDATE`` on PostgreSQL; on
SQLite the first write takes the database's single writer lock, which is the same
serialisation), record the alphas (a unique key: the database refuses a replay even if two
casts raced past the look-up), use the tokens with a conditional ``UPDATE ... WHERE
status='active'``, check the election is still open, store the ballots, append the board
entries, sign the new head, commit.  One lock, one statement per table, one signed head,
however many voters cast at once.  All or nothing: a refusal leaves the token usable.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from ballot.crypto.ballots import tracker_display
from ballot.election.refusal import Refused
from ballot.record.board import BoardEntry
from ballot.record.chain import GENESIS, format_at
from ballot.record.kinds import Kind
from ballot.record.signing import ServerKey, SignedHead, sign_head
from ballot.store.casting.batcher import Batcher, driver_connection, engine_of
from ballot.store.casting.entries import entry_hash_of, fast_canonical, payload_json
from ballot.store.casting.links import LinkReader
from ballot.store.casting.refusals import CLOSED, USED, replay, try_again
from ballot.store.casting.verification import Verified, verify_for_cast
from ballot.store.casting.writers import CoreWriter, PgWriter, Writer
from ballot.store.challenged import new_challenge_id

log = logging.getLogger("ballot.store.casting")

RECEIPT_TYPE: Final = "ballot.cast.receipt"


@dataclass
class _Accepted:
    verified: Verified
    index: int
    kind: str = Kind.CAST.value
    challenge: str | None = None
    seq: int = 0
    entry_hash: str = ""


async def commit_group(
    writer: Writer,
    election_id: str,
    items: list[tuple[int, Verified]],
    key: ServerKey,
    clock: Callable[[], datetime],
) -> dict[int, dict[str, Any] | Refused]:
    """One transaction for every verified cast of one election in this batch.

    Set-based: the same few statements whatever the batch size, so the election lock is
    held for a handful of round trips however many voters are casting at once.  The
    caller commits; returning normally with refusals only means nothing was accepted.
    """
    out: dict[int, dict[str, Any] | Refused] = {}
    # Lock order: election row, then tokens (as the committee's close).
    snapshot = await writer.lock(election_id) if writer.locks_first else None
    inserted = await writer.insert_alphas(
        election_id,
        [(a, "challenged" if v.link.challenged else "cast") for _, v in items for a in v.alphas],
    )
    if snapshot is None:
        # On SQLite that first write took the database lock: only now is the state current.
        snapshot = await writer.snapshot(election_id)
    now = clock()
    if snapshot[0] != "open":
        return {i: CLOSED for i, _ in items}
    live: list[tuple[int, Verified]] = []
    for i, v in items:
        if all(a in inserted for a in v.alphas):
            live.append((i, v))
        else:
            out[i] = replay()
    used: set[int] = set()
    if live:
        voters = {v.link.token_id: v.link.voter_id for _, v in live}
        # Revoting: these links may already be used; they cast again (the last counts).
        again = {v.link.token_id for _, v in live if v.link.revoting}
        used = await writer.use_tokens(list(voters), voters, now, again)
    accepted: list[_Accepted] = []
    for i, v in live:
        if v.link.token_id in used:
            accepted.append(_Accepted(v, i))
        else:
            out[i] = USED
    if not accepted:
        return out
    refused_alphas = [a for i, v in items if i in out for a in v.alphas if a in inserted]
    if refused_alphas:
        await writer.forget_alphas(election_id, refused_alphas)
    seq, prev = (snapshot[1] + 1, snapshot[2]) if snapshot[1] is not None else (0, GENESIS)
    at = format_at(now)
    entries: list[dict[str, Any]] = []
    casts: list[dict[str, Any]] = []
    challenged: list[dict[str, Any]] = []
    for a in accepted:
        v = a.verified
        if v.link.challenged:
            a.kind, a.challenge = Kind.CHALLENGED.value, new_challenge_id()
        payload_text = payload_json(v.ballot_text, v.tracker, a.challenge, v.unit, v.link.alias)
        a.seq, a.entry_hash = seq, entry_hash_of(seq, a.kind, at, payload_text, prev)
        entries.append(
            {
                "election_id": election_id,
                "seq": seq,
                "kind": a.kind,
                "at": at,
                "payload": payload_text,
                "prev": prev,
                "hash": a.entry_hash,
                "alias": v.link.alias,
            }
        )
        row = {
            "election_id": election_id,
            "tracker": v.tracker,
            "board_seq": seq,
            "ballot": v.ballot_text,
            "cast_at": now,
        }
        if a.challenge is not None:
            challenged.append({**row, "id": a.challenge, "voter_id": v.link.voter_id})
        else:
            casts.append(row)
        seq, prev = seq + 1, a.entry_hash
    # The record module's own hash of the last entry must agree with the fast path.
    last_row = entries[-1]
    entry = BoardEntry(
        last_row["seq"], last_row["kind"], at, json.loads(last_row["payload"]), last_row["prev"]
    )
    if entry.hash != last_row["hash"]:
        raise RuntimeError("board entry hash mismatch between the fast path and ballot.record")
    previous = SignedHead(*snapshot[3:9]) if snapshot[3] is not None else None
    head = sign_head(key, election_id, entry, at, previous)
    await writer.append(election_id, entries, casts, challenged, head, now)
    head_data = head.to_json()
    for a in accepted:
        out[a.index] = _receipt(
            key, a.verified, a.kind, a.seq, a.entry_hash, head_data, a.challenge
        )
    return out


async def _commit_pg(
    conn: AsyncConnection,
    election_id: str,
    items: list[tuple[int, Verified]],
    key: ServerKey,
    clock: Callable[[], datetime],
) -> dict[int, dict[str, Any] | Refused]:
    """:func:`commit_group` on the asyncpg connection, in its own transaction."""
    driver = await driver_connection(conn)
    transaction = driver.transaction()
    await transaction.start()
    try:
        done = await commit_group(PgWriter(driver), election_id, items, key, clock)
    except BaseException:
        await transaction.rollback()
        raise
    if any(isinstance(r, dict) for r in done.values()):
        await transaction.commit()
    else:
        await transaction.rollback()
    return done


async def commit_batch(
    conn: AsyncConnection,
    batch: list[Verified],
    key: ServerKey,
    clock: Callable[[], datetime],
    on_failure: Callable[[], None] | None = None,
) -> list[dict[str, Any] | Refused]:
    """Cast a batch of verified ballots: per election, one all-or-nothing transaction.

    A failed transaction refuses its own casts (503) only: other elections' casts in the
    batch may already be committed and get their receipts.  ``on_failure`` is told, so
    the caller can give the connection back instead of reusing it.
    """
    results: list[dict[str, Any] | Refused | None] = [None] * len(batch)
    tokens: set[int] = set()
    alphas: set[str] = set()
    groups: dict[str, list[tuple[int, Verified]]] = {}
    for i, v in enumerate(batch):
        if v.link.token_id in tokens:  # the same link twice in one batch
            # (revoting: the link still works, so the second may simply be sent again)
            results[i] = try_again() if v.link.revoting else USED
        elif any(a in alphas for a in v.alphas):  # the same ciphertext twice in one batch
            results[i] = replay()
        else:
            tokens.add(v.link.token_id)
            alphas.update(v.alphas)
            groups.setdefault(v.link.election_id, []).append((i, v))
    failed = False
    for election_id, items in groups.items():
        try:
            if failed:  # the connection is in doubt after a failure: nothing more on it
                raise RuntimeError("an earlier transaction of this batch failed")
            if conn.dialect.name == "postgresql":
                done = await _commit_pg(conn, election_id, items, key, clock)
            else:
                async with conn.begin() as transaction:
                    done = await commit_group(CoreWriter(conn), election_id, items, key, clock)
                    if not any(isinstance(r, dict) for r in done.values()):
                        await transaction.rollback()
        except Exception:
            log.exception("cast transaction failed")
            failed = True
            done = {i: try_again() for i, _ in items}
        for i, result in done.items():
            results[i] = result
    if failed and on_failure is not None:
        on_failure()
    return [r if r is not None else replay() for r in results]


class CastQueue(Batcher[Verified, dict[str, Any]]):
    """Group commit: casts that arrive while a transaction runs share the next one.

    Verification runs concurrently in each request; only the short database step is
    serialised per election, and under load many ballots share one lock, one board
    append statement, one signed head and one commit.  The look-ups before verification
    are batched the same way (``reader``).
    """

    WHAT = "transaction"

    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        key: ServerKey,
        clock: Callable[[], datetime],
    ) -> None:
        super().__init__(engine_of(factory))
        self.factory, self.key, self.clock = factory, key, clock
        self.reader = LinkReader(self.engine)

    async def run(
        self, conn: AsyncConnection, items: list[Verified]
    ) -> list[dict[str, Any] | Refused]:
        return await commit_batch(conn, items, self.key, self.clock, self.discard_connection)

    async def cast(self, verified: Verified) -> dict[str, Any]:
        return await self.submit(verified)

    async def close(self) -> None:
        await self.reader.close()
        await super().close()


def _receipt(
    key: ServerKey,
    verified: Verified,
    kind: str,
    seq: int,
    entry_hash: str,
    head: dict[str, Any],
    challenge: str | None,
) -> dict[str, Any]:
    """The signed receipt: where the ballot sits on the board (never what it says)."""
    body: dict[str, Any] = {
        "type": RECEIPT_TYPE,
        "election": verified.link.election_id,
        "kind": kind,
        "tracker": verified.tracker,
        "tracker_short": tracker_display(verified.tracker),
        "seq": seq,
        "entry_hash": entry_hash,
        "head": head,
        "server_key": key.public_hex,
    }
    if challenge is not None:
        body["challenge"] = challenge
    if verified.link.alias is not None:
        body["alias"] = verified.link.alias  # the name the board gives this member's ballot
    return {**body, "signature": key.sign_hex(fast_canonical(body))}


async def cast(
    factory: async_sessionmaker[AsyncSession],
    token: str,
    ballot_json: Mapping[str, Any],
    queue: CastQueue,
) -> dict[str, Any]:
    """Verify (no lock held), then cast through the queue; raises Refused on refusal."""
    verified = await verify_for_cast(queue.reader, token, ballot_json)
    return await queue.cast(verified)
