"""The cast transaction: one voter link, one verified ballot, one board entry, one receipt.

Order of work, and why:

1. **Outside any transaction** — look up the token (a read), parse and verify the ballot
   (proofs cost milliseconds of CPU), and check its alphas against those already used.
   Nothing is locked while the CPU works, so casts for one election verify in parallel.
2. **One transaction** — lock the election row (``SELECT ... FOR UPDATE`` on PostgreSQL;
   on SQLite the first write takes the database's single writer lock, which is the same
   serialisation), use the token with a conditional ``UPDATE ... WHERE status='active'``,
   check the election is still open, record the alphas (a unique key: the database refuses
   a replay even if two casts race past step 1), store the ballot, append the board entry,
   sign the new head, commit.  All or nothing: a refusal leaves the token usable.

The election row is locked *before* the token is touched so the lock order matches the
committee's close (election row, then every active token): no deadlock between a cast and
a close.  The board time is read after the lock, so board times never go backwards even
with several server processes.

The voter's identity never reaches the board or ``cast_ballots``; a challenged voter's
ballot goes to the challenged pool (:mod:`ballot.store.challenged`) instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import String, Table, bindparam, delete, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from ballot.crypto.ballots import (
    AuditedBallot,
    BallotError,
    EncryptedBallot,
    ballot_alphas,
    check_audit,
    reused_ciphertexts,
    tracker,
    tracker_display,
    verify_ballot,
)
from ballot.crypto.group import Element, GroupError
from ballot.crypto.manifest import (
    ElectionManifest,
    ManifestError,
    election_fingerprint,
    manifest_hash,
)
from ballot.record.board import BoardEntry
from ballot.record.canonical import canonical_json
from ballot.record.chain import GENESIS, format_at
from ballot.record.signing import ServerKey, SignedHead, sign_head
from ballot.store.board import append_board, head_json, sign_board_head
from ballot.store.cast_tables import BallotAlpha, CastBallot, ChallengedBallot, TokenAudit
from ballot.store.challenged import KIND_CHALLENGED, new_challenge_id
from ballot.store.models import BoardEntryRow, BoardHeadRow, Election, Voter, VoterToken
from ballot.store.tokens import MAX_TOKEN_LENGTH, TokenLookup, hash_token, lookup_token

log = logging.getLogger(__name__)

KIND_CAST = "ballot.cast"
#: Audited (spoiled) ballots have their own kind (PROTOCOL §11): the record verifier checks
#: each audit against the election's keys, and an audited ballot is never counted.
KIND_AUDITED = "ballot.audited"
RECEIPT_TYPE = "ballot.cast.receipt"
#: Most audits one voter link may post: plenty for a careful voter, a bound on board spam.
MAX_AUDITS_PER_LINK = 20


class CastRefused(Exception):
    """A cast (or audit) that is refused; ``status`` is the HTTP status, the token stays usable."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# --------------------------------------------------------------------------- election keys


@dataclass(frozen=True)
class ElectionCrypto:
    """What verifying a ballot for one election needs, recomputed from the stored public data."""

    election_id: str
    definition: dict[str, Any]
    manifest: ElectionManifest
    manifest_hash: str
    public_key: Element
    public_key_hex: str
    verification_keys: tuple[str, ...]
    fingerprint: bytes

    @property
    def fingerprint_hex(self) -> str:
        return self.fingerprint.hex()


def _verification_keys(ceremony_text: str | None) -> tuple[str, ...]:
    """Trustee verification keys V_1..V_n from the ceremony transcript, in trustee order."""
    if not ceremony_text:
        raise CastRefused("this election has no key-ceremony transcript yet", 409)
    transcript = json.loads(ceremony_text)
    keys = transcript.get("verification_keys") if isinstance(transcript, dict) else None
    if not isinstance(keys, dict) or not keys:
        raise CastRefused(
            "this election's key-ceremony transcript lists no trustee verification keys, "
            "so ballots cannot be bound to it",
            409,
        )
    try:
        order = sorted(keys, key=int)
    except ValueError as exc:
        raise CastRefused(
            "the ceremony transcript's trustee numbers are not integers", 409
        ) from exc
    return tuple(str(keys[i]) for i in order)


@lru_cache(maxsize=64)
def _crypto(
    election_id: str, manifest_text: str, key_hex: str, ceremony_text: str
) -> ElectionCrypto:
    definition = json.loads(manifest_text)
    try:
        manifest = ElectionManifest.from_definition(definition)
        digest = manifest_hash(definition)
        public_key = Element.from_hex(key_hex)
        vkeys = _verification_keys(ceremony_text)
        fingerprint = election_fingerprint(digest, public_key, [Element.from_hex(v) for v in vkeys])
    except (ManifestError, GroupError, ValueError) as exc:
        if isinstance(exc, CastRefused):
            raise
        raise CastRefused(f"this election's public keys are not usable: {exc}", 409) from exc
    return ElectionCrypto(
        election_id, definition, manifest, digest.hex(), public_key, key_hex, vkeys, fingerprint
    )


def election_crypto(election: Election) -> ElectionCrypto:
    """The election's manifest, key and fingerprint (cached: fixed once the ceremony is done)."""
    if not election.manifest or not election.joint_public_key:
        raise CastRefused("this election has no finished key ceremony yet", 409)
    return _crypto(
        election.id, election.manifest, election.joint_public_key, election.ceremony or ""
    )


# --------------------------------------------------------------------------- token checks

_TOKEN_REFUSALS = {
    "used": ("this voting link has already been used to cast a ballot", 409),
    "expired": ("voting is closed: this link can no longer be used", 410),
    "revoked": ("this voting link was withdrawn by the election committee", 410),
    "replaced": ("this voting link was replaced by a newer one; use the latest email", 410),
}
USED = CastRefused(*_TOKEN_REFUSALS["used"])
CLOSED = CastRefused(*_TOKEN_REFUSALS["expired"])
REPLAY = (
    "replayed ciphertext: part of this ballot already appears on this election's board "
    "(or in an audited ballot); encrypt a fresh ballot"
)


def refuse_token(found: TokenLookup | None) -> None:
    if found is None:
        raise CastRefused("this voting link is not valid", 404)
    if found.status != "active":
        message, status = _TOKEN_REFUSALS.get(found.status, ("this voting link is not valid", 404))
        raise CastRefused(message, status)


@dataclass(frozen=True)
class Link:
    """What a cast needs to know about a voter link (one lean indexed query, no big columns)."""

    token_id: int
    status: str
    voter_id: int
    challenged: bool
    election_id: str
    manifest_hash: str | None
    joint_public_key: str | None


# The hot path speaks SQL Core on a plain connection: the ORM's per-statement work cost
# more than the proofs.  Table and column names are the models' (see cast_tables.py).
_LINK_SQL = text(
    """
    SELECT t.id, t.status, v.id, v.challenged, e.id, e.state, e.manifest_hash,
           e.joint_public_key,
           (SELECT count(*) FROM ballot_alphas a
             WHERE a.election_id = t.election_id AND a.alpha IN :alphas) AS used
      FROM voter_tokens t
      JOIN voters v ON v.id = t.voter_id
      JOIN elections e ON e.id = t.election_id
     WHERE t.token_hash = :token_hash
    """
).bindparams(bindparam("alphas", expanding=True, type_=String()))
_USED_SQL = text(
    "SELECT alpha FROM ballot_alphas WHERE election_id = :election AND alpha IN :alphas"
).bindparams(bindparam("alphas", expanding=True, type_=String()))
_STATE_SQL = text("SELECT state FROM elections WHERE id = :election")
_LOCK_SQL = text("SELECT id FROM elections WHERE id = :election FOR UPDATE")
_LAST_SQL = text(
    "SELECT seq, hash FROM board_entries WHERE election_id = :election ORDER BY seq DESC LIMIT 1"
)
_HEAD_SQL = text(
    "SELECT election_id, seq, head, at, prev, signature FROM board_heads "
    "WHERE election_id = :election ORDER BY id DESC LIMIT 1"
)
_T_ALPHA = typing.cast(Table, BallotAlpha.__table__)
_T_TOKEN = typing.cast(Table, VoterToken.__table__)
_T_VOTER = typing.cast(Table, Voter.__table__)
_T_ENTRY = typing.cast(Table, BoardEntryRow.__table__)
_T_HEAD = typing.cast(Table, BoardHeadRow.__table__)
_T_CAST = typing.cast(Table, CastBallot.__table__)
_T_CHALLENGED = typing.cast(Table, ChallengedBallot.__table__)


def _link_of(row: Any) -> Link:
    token_id, status, voter_id, challenged, election_id, state, digest, key = row[:8]
    if status == "active" and state != "open":
        status = "expired"
    return Link(token_id, status, voter_id, bool(challenged), election_id, digest, key)


_CRYPTO_CACHE: dict[tuple[str, str | None, str | None], ElectionCrypto] = {}


async def crypto_for(conn: AsyncConnection, link: Link) -> ElectionCrypto:
    """The election's keys, loaded from the database only on the first cast of a process."""
    cache_key = (link.election_id, link.manifest_hash, link.joint_public_key)
    found = _CRYPTO_CACHE.get(cache_key)
    if found is None:
        row = (
            await conn.execute(
                select(
                    Election.id, Election.manifest, Election.joint_public_key, Election.ceremony
                ).where(Election.id == link.election_id)
            )
        ).one()
        if not row.manifest or not row.joint_public_key:
            raise CastRefused("this election has no finished key ceremony yet", 409)
        found = _crypto(row.id, row.manifest, row.joint_public_key, row.ceremony or "")
        if len(_CRYPTO_CACHE) > 64:
            _CRYPTO_CACHE.clear()
        _CRYPTO_CACHE[cache_key] = found
    return found


# --------------------------------------------------------------------------- cast


@dataclass(frozen=True)
class Verified:
    """A ballot that passed every check made outside the transaction."""

    link: Link
    crypto: ElectionCrypto
    ballot_json: dict[str, Any]
    ballot_text: str  # its RFC 8785 form, computed once
    tracker: str
    alphas: list[str]


async def _used_alphas(conn: AsyncConnection, election_id: str, alphas: list[str]) -> set[bytes]:
    rows = await conn.execute(_USED_SQL, {"election": election_id, "alphas": alphas})
    return {bytes.fromhex(r[0]) for r in rows}


def _replay_message(positions: list[tuple[int, int]]) -> str:
    where = ", ".join(f"question {q + 1} slot {s + 1}" for q, s in positions[:3])
    return (
        f"replayed ciphertext: {where} already appears on this election's board "
        "(or in an audited ballot); encrypt a fresh ballot"
    )


def _engine(factory: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    engine = factory.kw.get("bind")
    assert isinstance(engine, AsyncEngine)
    return engine


async def verify_for_cast(
    factory: async_sessionmaker[AsyncSession],
    token: str,
    ballot_json: Mapping[str, Any],
    reads: asyncio.Semaphore | None = None,
) -> Verified:
    """Every check that needs no lock: token state, strict parse, proofs, replay pre-check.

    One database round trip (token, voter, election state and already-used alphas in a
    single query); the proofs are checked after the connection went back to the pool,
    so slow CPU work never holds a connection.
    """
    malformed: CastRefused | None = None
    try:
        ballot = EncryptedBallot.from_json(ballot_json)
    except BallotError as exc:
        malformed = CastRefused(f"the ballot is malformed: {exc}", 400)
    alphas = [] if malformed else [a.hex() for a in ballot_alphas(ballot)]
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise CastRefused("this voting link is not valid", 404)
    seen: set[bytes] = set()
    gate = reads if reads is not None else contextlib.nullcontext()
    async with gate, _engine(factory).connect() as plain:
        # Autocommit: a lone read needs no BEGIN and no ROLLBACK round trip.
        conn = await plain.execution_options(isolation_level="AUTOCOMMIT")
        row = (
            await conn.execute(_LINK_SQL, {"token_hash": hash_token(token), "alphas": alphas})
        ).first()
        if row is None:
            raise CastRefused("this voting link is not valid", 404)
        link = _link_of(row)
        if link.status != "active":
            message, status = _TOKEN_REFUSALS.get(
                link.status, ("this voting link is not valid", 404)
            )
            raise CastRefused(message, status)
        if malformed is not None:  # the link's state first: it is what the voter must know
            raise malformed
        crypto = await crypto_for(conn, link)
        if row[8]:
            seen = await _used_alphas(conn, link.election_id, alphas)
    if ballot.election != crypto.fingerprint:
        raise CastRefused(
            "the ballot was made for another election (its fingerprint is not this election's)",
            422,
        )
    reused = reused_ciphertexts(ballot, seen)
    if reused:
        raise CastRefused(_replay_message(reused), 409)
    try:
        verify_ballot(crypto.manifest, crypto.public_key, crypto.fingerprint, ballot)
    except BallotError as exc:
        raise CastRefused(f"the ballot does not verify: {exc}", 422) from exc
    canonical = ballot.to_json()
    text_ = canonical_json(canonical)
    return Verified(
        link, crypto, canonical, text_.decode("ascii"), hashlib.sha256(text_).hexdigest(), alphas
    )


async def _lock_open_election(session: AsyncSession, election_id: str) -> None:
    """Lock the election row (PostgreSQL; SQLite ignores FOR UPDATE)."""
    await session.execute(select(Election.id).where(Election.id == election_id).with_for_update())


async def _still_open(session: AsyncSession, election_id: str) -> None:
    state = await session.scalar(select(Election.state).where(Election.id == election_id))
    if state != "open":
        raise CastRefused("voting is closed: this link can no longer be used", 410)


async def _record_alphas(
    session: AsyncSession, election_id: str, alphas: list[str], use: str
) -> None:
    """Bar these alphas for good; the primary key makes a racing replay fail here."""
    try:
        await session.execute(
            insert(BallotAlpha),
            [{"election_id": election_id, "alpha": a, "use": use} for a in alphas],
        )
    except IntegrityError as exc:
        raise CastRefused(REPLAY, 409) from exc


def payload_json(ballot_text: str, tracker_hex: str, challenge: str | None) -> str:
    """RFC 8785 text of a ballot entry's payload, assembled from the ballot's canonical text.

    Keys in canonical order; the tracker and challenge id are plain hex/ASCII, so no
    escaping is involved.  Saves re-canonicalising the ballot for every entry.
    """
    if challenge is None:
        return f'{{"ballot":{ballot_text},"tracker":"{tracker_hex}"}}'
    return f'{{"ballot":{ballot_text},"challenge":"{challenge}","tracker":"{tracker_hex}"}}'


def entry_hash_of(seq: int, kind: str, at: str, payload_text: str, prev: str) -> str:
    """The hash :class:`ballot.record.board.BoardEntry` gives this entry (SHA-256 of its
    canonical body), from the payload's canonical text."""
    body = f'{{"at":"{at}","kind":"{kind}","payload":{payload_text},"prev":"{prev}","seq":{seq}}}'
    return hashlib.sha256(body.encode("ascii")).hexdigest()


@dataclass
class _Accepted:
    verified: Verified
    index: int
    kind: str = KIND_CAST
    challenge: str | None = None
    seq: int = 0
    entry_hash: str = ""


async def _commit_group(
    conn: AsyncConnection,
    election_id: str,
    items: list[tuple[int, Verified]],
    key: ServerKey,
    clock: Callable[[], datetime],
) -> dict[int, dict[str, Any] | CastRefused]:
    """One transaction for every verified cast of one election in this batch.

    Set-based: one statement per table, whatever the batch size, so the election lock is
    held for a handful of round trips however many voters are casting at once.  The
    caller commits; returning normally with refusals only means nothing was accepted.
    """
    out: dict[int, dict[str, Any] | CastRefused] = {}
    postgres = conn.dialect.name == "postgresql"
    election = {"election": election_id}
    if postgres:  # lock order: election row, then tokens (as the committee's close)
        await conn.execute(_LOCK_SQL, election)
    dialect_insert: Any = pg_insert if postgres else sqlite_insert
    alphas = [
        {
            "election_id": election_id,
            "alpha": a,
            "use": "challenged" if v.link.challenged else "cast",
        }
        for _, v in items
        for a in v.alphas
    ]
    # executemany of one cached statement (SQLAlchemy batches it into multi-row VALUES):
    # compiling a fresh multi-row statement per batch cost more than the rows themselves.
    stmt = dialect_insert(_T_ALPHA).on_conflict_do_nothing().returning(_T_ALPHA.c.alpha)
    inserted = {r[0] for r in await conn.execute(stmt, alphas)}
    # On SQLite that first write took the database lock: only now is the state current.
    now = clock()
    if (await conn.execute(_STATE_SQL, election)).scalar() != "open":
        return {i: CLOSED for i, _ in items}
    live: list[tuple[int, Verified]] = []
    for i, v in items:
        if all(a in inserted for a in v.alphas):
            live.append((i, v))
        else:
            out[i] = CastRefused(REPLAY, 409)
    used: set[int] = set()
    if live:
        result = await conn.execute(
            update(_T_TOKEN)
            .where(
                _T_TOKEN.c.id.in_([v.link.token_id for _, v in live]),
                _T_TOKEN.c.status == "active",
            )
            .values(status="used", ended_at=now)
            .returning(_T_TOKEN.c.id)
        )
        used = {r[0] for r in result}
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
        await conn.execute(
            delete(_T_ALPHA).where(
                _T_ALPHA.c.election_id == election_id, _T_ALPHA.c.alpha.in_(refused_alphas)
            )
        )
    await conn.execute(
        update(_T_VOTER)
        .where(_T_VOTER.c.id.in_([a.verified.link.voter_id for a in accepted]))
        .values(voted_at=now, voted_channel="online")
    )
    last = (await conn.execute(_LAST_SQL, election)).first()
    seq, prev = (last[0] + 1, last[1]) if last is not None else (0, GENESIS)
    at = format_at(now)
    entries: list[dict[str, Any]] = []
    casts: list[dict[str, Any]] = []
    challenged: list[dict[str, Any]] = []
    for a in accepted:
        v = a.verified
        if v.link.challenged:
            a.kind, a.challenge = KIND_CHALLENGED, new_challenge_id()
        payload_text = payload_json(v.ballot_text, v.tracker, a.challenge)
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
    await conn.execute(insert(_T_ENTRY), entries)
    if casts:
        await conn.execute(insert(_T_CAST), casts)
    if challenged:
        await conn.execute(insert(_T_CHALLENGED), challenged)
    # The record module's own hash of the last entry must agree with the fast path.
    last_row = entries[-1]
    entry = BoardEntry(
        last_row["seq"], last_row["kind"], at, json.loads(last_row["payload"]), last_row["prev"]
    )
    if entry.hash != last_row["hash"]:
        raise RuntimeError("board entry hash mismatch between the fast path and ballot.record")
    previous = (await conn.execute(_HEAD_SQL, election)).first()
    head = sign_head(
        key, election_id, entry, at, SignedHead(*previous) if previous is not None else None
    )
    await conn.execute(
        insert(_T_HEAD).values(
            election_id=election_id,
            seq=head.seq,
            head=head.head_hash,
            at=head.at,
            prev=head.prev,
            signature=head.signature,
            hash=head.hash,
        )
    )
    head_data = head.to_json()
    for a in accepted:
        out[a.index] = _receipt(
            key, a.verified, a.kind, a.seq, a.entry_hash, head_data, a.challenge
        )
    return out


async def commit_batch(
    factory: async_sessionmaker[AsyncSession],
    batch: list[Verified],
    key: ServerKey,
    clock: Callable[[], datetime],
) -> list[dict[str, Any] | CastRefused]:
    """Cast a batch of verified ballots: per election, one all-or-nothing transaction."""
    results: list[dict[str, Any] | CastRefused | None] = [None] * len(batch)
    tokens: set[int] = set()
    alphas: set[str] = set()
    groups: dict[str, list[tuple[int, Verified]]] = {}
    for i, v in enumerate(batch):
        if v.link.token_id in tokens:  # the same link twice in one batch
            results[i] = USED
        elif any(a in alphas for a in v.alphas):  # the same ciphertext twice in one batch
            results[i] = CastRefused(REPLAY, 409)
        else:
            tokens.add(v.link.token_id)
            alphas.update(v.alphas)
            groups.setdefault(v.crypto.election_id, []).append((i, v))
    engine = _engine(factory)
    for election_id, items in groups.items():
        try:
            async with engine.connect() as conn:
                transaction = await conn.begin()
                done = await _commit_group(conn, election_id, items, key, clock)
                if any(isinstance(r, dict) for r in done.values()):
                    await transaction.commit()
                else:
                    await transaction.rollback()
        except Exception:
            log.exception("cast transaction failed")
            done = {
                i: CastRefused("the ballot could not be recorded; please try again", 503)
                for i, _ in items
            }
        for i, result in done.items():
            results[i] = result
    return [r if r is not None else CastRefused(REPLAY, 409) for r in results]


class CastQueue:
    """Group commit: casts that arrive while a transaction runs share the next one.

    Verification runs concurrently in each request; only the short database step is
    serialised per election, and under load many ballots share one lock, one board
    append statement, one signed head and one commit.  The drain task lives only while
    there is work (no background task outlives the requests).
    """

    MAX_BATCH = 200

    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        key: ServerKey,
        clock: Callable[[], datetime],
    ) -> None:
        self.factory, self.key, self.clock = factory, key, clock
        # Concurrent read phases, capped below the pool size so that the writer always finds
        # a connection and no request opens a fresh one (a new PostgreSQL connection costs
        # far more than a cast).
        size = getattr(factory.kw.get("bind"), "pool", None)
        pool_size = size.size() if size is not None and hasattr(size, "size") else 5
        self.reads = asyncio.Semaphore(max(1, pool_size - 1))
        self.pending: list[tuple[Verified, asyncio.Future[dict[str, Any]]]] = []
        self.task: asyncio.Task[None] | None = None

    async def cast(self, verified: Verified) -> dict[str, Any]:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending.append((verified, future))
        if self.task is None or self.task.done():
            self.task = asyncio.ensure_future(self._drain())
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        while self.pending:
            batch, self.pending = self.pending[: self.MAX_BATCH], self.pending[self.MAX_BATCH :]
            try:
                results = await commit_batch(
                    self.factory, [v for v, _ in batch], self.key, self.clock
                )
            except BaseException as exc:  # never leave a voter waiting forever
                for _, future in batch:
                    if not future.done():
                        future.set_exception(
                            CastRefused("the ballot could not be recorded; please try again", 503)
                        )
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, CastRefused):
                    future.set_exception(result)
                else:
                    future.set_result(result)


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
        "election": verified.crypto.election_id,
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
    return {**body, "signature": key.sign_hex(canonical_json(body))}


async def cast(
    factory: async_sessionmaker[AsyncSession],
    token: str,
    ballot_json: Mapping[str, Any],
    queue: CastQueue,
) -> dict[str, Any]:
    """Verify (no lock held), then cast through the queue; raises CastRefused on refusal."""
    verified = await verify_for_cast(factory, token, ballot_json, queue.reads)
    return await queue.cast(verified)


# --------------------------------------------------------------------------- audit


async def audit(
    factory: async_sessionmaker[AsyncSession],
    token: str,
    audit_json: Mapping[str, Any],
    key: ServerKey,
    clock: Callable[[], datetime],
) -> dict[str, Any]:
    """Record a Benaloh-audited (spoiled) ballot: check it, bar its ciphertexts, publish it.

    The voter's link must still be active (a bound on who can post), but nothing links the
    published audit to the voter: ``token_audits`` keeps only a count per link.
    """
    async with factory() as session:
        found = await lookup_token(session, token)
        refuse_token(found)
        assert found is not None
        crypto = election_crypto(found.election)
        try:
            audited = AuditedBallot.from_json(audit_json)
        except BallotError as exc:
            raise CastRefused(f"the audit is malformed: {exc}", 400) from exc
        if audited.ballot.election != crypto.fingerprint:
            raise CastRefused("the audited ballot was made for another election", 422)
        try:
            check_audit(crypto.manifest, crypto.public_key, crypto.fingerprint, audited)
        except BallotError as exc:
            raise CastRefused(f"the audit does not check out: {exc}", 422) from exc
        count = await session.scalar(
            select(TokenAudit.audits).where(TokenAudit.token_id == found.token_id)
        )
    if (count or 0) >= MAX_AUDITS_PER_LINK:
        raise CastRefused(
            f"this link has already audited {MAX_AUDITS_PER_LINK} ballots; cast one now", 429
        )
    published = audited.audit_json()
    track = tracker(audited.ballot)
    alphas = [a.hex() for a in ballot_alphas(audited.ballot)]
    async with factory() as session:
        try:
            await _lock_open_election(session, crypto.election_id)
            now = clock()
            await _still_open(session, crypto.election_id)
            await _record_alphas(session, crypto.election_id, alphas, "audited")
            if count is None:
                session.add(TokenAudit(token_id=found.token_id, audits=1))
            else:
                await session.execute(
                    update(TokenAudit)
                    .where(TokenAudit.token_id == found.token_id)
                    .values(audits=TokenAudit.audits + 1)
                )
            row = await append_board(
                session,
                crypto.election_id,
                KIND_AUDITED,
                {"audit": published, "tracker": track},
                now,
            )
            head = await sign_board_head(session, crypto.election_id, key, now)
            assert head is not None
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
    return {
        "tracker": track,
        "tracker_short": tracker_display(track),
        "seq": row.seq,
        "head": head_json(head),
    }
