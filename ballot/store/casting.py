"""The cast transaction: one voter link, one verified ballot, one board entry, one receipt.

Order of work, and why:

1. **Outside any transaction** — look up the token (a read), parse and verify the ballot
   (proofs cost milliseconds of CPU), and check its alphas against those already used.
   Nothing is locked while the CPU works, so casts for one election verify in parallel.
   Look-ups of casts arriving together share one query (:class:`LinkReader`).
2. **One transaction** — lock the election row (``SELECT ... FOR UPDATE`` on PostgreSQL;
   on SQLite the first write takes the database's single writer lock, which is the same
   serialisation), use the token with a conditional ``UPDATE ... WHERE status='active'``,
   check the election is still open, record the alphas (a unique key: the database refuses
   a replay even if two casts race past step 1), store the ballot, append the board entry,
   sign the new head, commit.  All or nothing: a refusal leaves the token usable.
   Casts arriving together share one such transaction (:class:`CastQueue`): one lock,
   one statement per table, one signed head.

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
from datetime import UTC, datetime
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
from ballot.store.board import append_board, head_json, head_values, sign_board_head
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
    """A cast (or audit) that is refused; ``status`` is the HTTP status, the token stays usable.

    ``code`` is a stable identifier of the reason (``link_used``, ``voting_closed``...): the
    voter page shows its own translated sentence for it, the English ``message`` is for
    everyone else.
    """

    def __init__(self, message: str, status: int, code: str = "refused") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


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
        raise CastRefused("this election has no key-ceremony transcript yet", 409, NOT_READY)
    transcript = json.loads(ceremony_text)
    keys = transcript.get("verification_keys") if isinstance(transcript, dict) else None
    if not isinstance(keys, dict) or not keys:
        raise CastRefused(
            "this election's key-ceremony transcript lists no trustee verification keys, "
            "so ballots cannot be bound to it",
            409,
            NOT_READY,
        )
    try:
        order = sorted(keys, key=int)
    except ValueError as exc:
        raise CastRefused(
            "the ceremony transcript's trustee numbers are not integers", 409, NOT_READY
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
        raise CastRefused(
            f"this election's public keys are not usable: {exc}", 409, NOT_READY
        ) from exc
    return ElectionCrypto(
        election_id, definition, manifest, digest.hex(), public_key, key_hex, vkeys, fingerprint
    )


def election_crypto(election: Election) -> ElectionCrypto:
    """The election's manifest, key and fingerprint (cached: fixed once the ceremony is done)."""
    if not election.manifest or not election.joint_public_key:
        raise CastRefused("this election has no finished key ceremony yet", 409, NOT_READY)
    return _crypto(
        election.id, election.manifest, election.joint_public_key, election.ceremony or ""
    )


# --------------------------------------------------------------------------- token checks

_TOKEN_REFUSALS = {
    "used": ("this voting link has already been used to cast a ballot", 409, "link_used"),
    "expired": ("voting is closed: this link can no longer be used", 410, "voting_closed"),
    "revoked": ("this voting link was withdrawn by the election committee", 410, "link_revoked"),
    "replaced": (
        "this voting link was replaced by a newer one; use the latest email",
        410,
        "link_replaced",
    ),
}
INVALID_LINK = ("this voting link is not valid", 404, "link_invalid")
USED = CastRefused(*_TOKEN_REFUSALS["used"])
CLOSED = CastRefused(*_TOKEN_REFUSALS["expired"])
NOT_READY = "election_not_ready"
TRY_AGAIN = "the ballot could not be recorded; please try again"
REPLAY = (
    "replayed ciphertext: part of this ballot already appears on this election's board "
    "(or in an audited ballot); encrypt a fresh ballot"
)


def refuse_token(found: TokenLookup | None) -> None:
    if found is None:
        raise CastRefused(*INVALID_LINK)
    if found.status != "active":
        raise CastRefused(*_TOKEN_REFUSALS.get(found.status, INVALID_LINK))


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
    unit: str | None = None  # the voter's unit, only if the election publishes subtotals


# The hot path speaks SQL on plain connections: the ORM's per-statement work cost more
# than the proofs.  Table and column names are the models' (see cast_tables.py).
_LINKS = """
    SELECT t.token_hash, t.id, t.status, v.id, v.challenged, e.id, e.state, e.manifest_hash,
           e.joint_public_key, v.unit, e.subtotal_min_size
      FROM voter_tokens t
      JOIN voters v ON v.id = t.voter_id
      JOIN elections e ON e.id = t.election_id
     WHERE t.token_hash {match}
    """
_LINKS_SQL = text(_LINKS.format(match="IN :hashes")).bindparams(
    bindparam("hashes", expanding=True, type_=String())
)
# The same two reads for asyncpg directly (arrays instead of expanded IN lists: one
# prepared statement whatever the batch size).
_PG_LINKS = _LINKS.format(match="= ANY($1::varchar[])")
_PG_USED = (
    "SELECT election_id, alpha FROM ballot_alphas "
    "WHERE election_id = ANY($1::varchar[]) AND alpha = ANY($2::varchar[])"
)
_USED_SQL = text(
    "SELECT election_id, alpha FROM ballot_alphas "
    "WHERE election_id IN :elections AND alpha IN :alphas"
).bindparams(
    bindparam("elections", expanding=True, type_=String()),
    bindparam("alphas", expanding=True, type_=String()),
)
# What the writer must read about the election, in one statement: its state, the board's
# last entry and the last signed head.  On PostgreSQL it runs after the election row lock
# (a separate statement: under READ COMMITTED a statement's snapshot is taken when it
# starts, so a locking SELECT would see the board as it was before it waited).
_SNAPSHOT = """
    SELECT e.state, b.seq, b.hash, h.election_id, h.seq, h.head, h.at, h.prev, h.signature
      FROM elections e
      LEFT JOIN board_entries b ON b.election_id = e.id
            AND b.seq = (SELECT max(seq) FROM board_entries WHERE election_id = e.id)
      LEFT JOIN board_heads h ON h.id = (SELECT max(id) FROM board_heads WHERE election_id = e.id)
     WHERE e.id = {election}
    """
_SNAPSHOT_SQL = text(_SNAPSHOT.format(election=":election"))
_LOCK_SQL = text("SELECT id FROM elections WHERE id = :election FOR UPDATE")
_T_ALPHA = typing.cast(Table, BallotAlpha.__table__)
_T_TOKEN = typing.cast(Table, VoterToken.__table__)
_T_VOTER = typing.cast(Table, Voter.__table__)
_T_ENTRY = typing.cast(Table, BoardEntryRow.__table__)
_T_HEAD = typing.cast(Table, BoardHeadRow.__table__)
_T_CAST = typing.cast(Table, CastBallot.__table__)
_T_CHALLENGED = typing.cast(Table, ChallengedBallot.__table__)


def fast_canonical(obj: Any) -> bytes:
    """RFC 8785 bytes, via the C encoder, of data the server built itself from typed
    protocol objects (a parsed ballot's ``to_json()``, a receipt, a head): strings,
    safe integers, null, lists and objects, never floats.

    For such data JCS is exactly sorted keys and no whitespace as long as no string needs
    escaping: key order by UTF-16 code units equals Python's for ASCII, integers print
    alike.  Any escape in the output (a quote, a control or non-ASCII character) means
    the shortcut does not apply, and the full canonicaliser is used instead.
    """
    text_ = json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)
    if "\\" in text_:
        return canonical_json(obj)
    return text_.encode("ascii")


def _link_of(row: Any) -> Link:
    token_id, status, voter_id, challenged, election_id, state, digest, key = row[:8]
    if status == "active" and state != "open":
        status = "expired"
    unit = (row[8] or "") if row[9] is not None else None
    return Link(token_id, status, voter_id, bool(challenged), election_id, digest, key, unit)


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
            raise CastRefused("this election has no finished key ceremony yet", 409, NOT_READY)
        found = _crypto(row.id, row.manifest, row.joint_public_key, row.ceremony or "")
        if len(_CRYPTO_CACHE) > 64:
            _CRYPTO_CACHE.clear()
        _CRYPTO_CACHE[cache_key] = found
    return found


# --------------------------------------------------------------------------- batching


_Item = typing.TypeVar("_Item")
_Result = typing.TypeVar("_Result")


class _Batcher(typing.Generic[_Item, _Result]):
    """Requests that arrive while one database step runs share the next one.

    One drain task per process lives only while there is work; it keeps one pooled
    connection for as long as batches keep coming (one pool checkout, and one pre-ping,
    per burst instead of per ballot).  A batch that fails is refused as a whole (503,
    nothing written) and the connection is given back, so the next batch starts clean.
    """

    MAX_BATCH = 200
    WHAT = "database step"
    #: How long the connection is kept once the queue is empty, waiting for the next
    #: cast: under load casts come every few milliseconds, and a pool checkout costs
    #: three round trips (the pre-ping runs in its own BEGIN/ROLLBACK on asyncpg).
    LINGER = 0.2

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.pending: list[tuple[_Item, asyncio.Future[_Result]]] = []
        self.task: asyncio.Task[None] | None = None
        self._discard = False
        self._closing = False
        self._wake = asyncio.Event()

    def discard_connection(self) -> None:
        """Give the held connection back after this batch (it saw an error)."""
        self._discard = True

    async def close(self) -> None:
        """Finish the work in hand and give the held connection back (at shutdown).

        Without this a drain task lingering with its connection could outlive the
        engine and the event loop, and its driver would report to a closed loop.
        """
        self._closing = True
        self._wake.set()
        if self.task is not None:
            with contextlib.suppress(Exception):
                await self.task

    async def submit(self, item: _Item) -> _Result:
        future: asyncio.Future[_Result] = asyncio.get_running_loop().create_future()
        self.pending.append((item, future))
        self._wake.set()
        if self.task is None or self.task.done():
            self.task = asyncio.ensure_future(self._drain())
        return await asyncio.shield(future)

    async def prepare(self, conn: AsyncConnection) -> None:
        """Set up a freshly checked-out connection."""

    async def run(self, conn: AsyncConnection, items: list[_Item]) -> list[_Result | CastRefused]:
        raise NotImplementedError

    async def _drain(self) -> None:
        # The outer loop: work may arrive while the connection is being given back.
        while self.pending:
            conn: AsyncConnection | None = None
            try:
                while self.pending or (conn is not None and await self._more_work()):
                    conn = await self._one_batch(conn)
            finally:
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close()

    async def _more_work(self) -> bool:
        """Wait up to LINGER for another cast; True if one came."""
        self._wake.clear()
        if self.pending or self._closing:
            return bool(self.pending)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.LINGER)
        return bool(self.pending)

    async def _one_batch(self, conn: AsyncConnection | None) -> AsyncConnection | None:
        """Run the next batch; returns the connection to keep using (None: give it back)."""
        batch, self.pending = self.pending[: self.MAX_BATCH], self.pending[self.MAX_BATCH :]
        try:
            if conn is None:
                conn = await self.engine.connect().start()
                await self.prepare(conn)
            results = await self.run(conn, [item for item, _ in batch])
        except BaseException as exc:  # never leave a voter waiting forever
            if not isinstance(exc, asyncio.CancelledError):
                log.exception("cast %s failed", self.WHAT)
            for _, future in batch:
                if not future.done():
                    future.set_exception(CastRefused(TRY_AGAIN, 503, "try_again"))
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()
            if isinstance(exc, asyncio.CancelledError):
                raise
            return None
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():
                continue
            if isinstance(result, CastRefused):
                future.set_exception(result)
            else:
                future.set_result(result)
        if self._discard:
            self._discard = False
            with contextlib.suppress(Exception):
                await conn.close()
            return None
        return conn


@dataclass(frozen=True)
class LinkRead:
    """One cast's look-up: its link, the election's keys, and which of its alphas are used."""

    link: Link | None
    crypto: ElectionCrypto | CastRefused | None
    used: frozenset[bytes]


class LinkReader(_Batcher[tuple[str, list[str]], LinkRead]):
    """Token look-ups of concurrent casts in one query (plus one for used alphas)."""

    WHAT = "token look-up"

    async def prepare(self, conn: AsyncConnection) -> None:
        # Lone reads need no BEGIN and no ROLLBACK round trips.
        await conn.execution_options(isolation_level="AUTOCOMMIT")

    async def run(
        self, conn: AsyncConnection, items: list[tuple[str, list[str]]]
    ) -> list[LinkRead | CastRefused]:
        hashes = sorted({h for h, _ in items})
        if conn.dialect.name == "postgresql":
            driver = await _driver_connection(conn)
            rows = [tuple(r) for r in await driver.fetch(_PG_LINKS, hashes)]
        else:
            rows = list(await conn.execute(_LINKS_SQL, {"hashes": hashes}))
        links = {row[0]: _link_of(row[1:]) for row in rows}
        cryptos: dict[str, ElectionCrypto | CastRefused] = {}
        alphas: list[str] = []
        for token_hash, slot_alphas in items:
            link = links.get(token_hash)
            if link is None or link.status != "active":
                continue
            if link.election_id not in cryptos:
                try:
                    cryptos[link.election_id] = await crypto_for(conn, link)
                except CastRefused as exc:
                    cryptos[link.election_id] = exc
            alphas.extend(slot_alphas)
        used = await _used_alphas(conn, sorted(cryptos), alphas) if alphas else set()
        out: list[LinkRead | CastRefused] = []
        for token_hash, slot_alphas in items:
            link = links.get(token_hash)
            if link is None or link.status != "active":
                out.append(LinkRead(link, None, frozenset()))
                continue
            mine = frozenset(bytes.fromhex(a) for a in slot_alphas if (link.election_id, a) in used)
            out.append(LinkRead(link, cryptos[link.election_id], mine))
        return out


async def _used_alphas(
    conn: AsyncConnection, elections: list[str], alphas: list[str]
) -> set[tuple[str, str]]:
    """(election, alpha) pairs among these already on a board or in an audit."""
    if conn.dialect.name == "postgresql":
        driver = await _driver_connection(conn)
        return {(r[0], r[1]) for r in await driver.fetch(_PG_USED, elections, alphas)}
    rows = await conn.execute(_USED_SQL, {"elections": elections, "alphas": alphas})
    return {(r[0], r[1]) for r in rows}


# --------------------------------------------------------------------------- cast


@dataclass(frozen=True)
class Verified:
    """A ballot that passed every check made outside the transaction."""

    link: Link
    crypto: ElectionCrypto
    ballot_text: str  # its RFC 8785 form, computed once
    tracker: str
    alphas: list[str]


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
    reader: LinkReader, token: str, ballot_json: Mapping[str, Any]
) -> Verified:
    """Every check that needs no lock: token state, strict parse, proofs, replay pre-check.

    The look-up shares a query with the casts arriving at the same time; the proofs are
    checked after it, holding no connection, so slow CPU work never holds one.
    """
    malformed: CastRefused | None = None
    try:
        ballot = EncryptedBallot.from_json(ballot_json)
    except BallotError as exc:
        malformed = CastRefused(f"the ballot is malformed: {exc}", 400, "ballot_malformed")
    alphas = [] if malformed else [a.hex() for a in ballot_alphas(ballot)]
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise CastRefused(*INVALID_LINK)
    found = await reader.submit((hash_token(token), alphas))
    link = found.link
    if link is None:
        raise CastRefused(*INVALID_LINK)
    if link.status != "active":
        raise CastRefused(*_TOKEN_REFUSALS.get(link.status, INVALID_LINK))
    if malformed is not None:  # the link's state first: it is what the voter must know
        raise malformed
    crypto = found.crypto
    if isinstance(crypto, CastRefused):
        raise crypto
    assert crypto is not None
    if ballot.election != crypto.fingerprint:
        raise CastRefused(
            "the ballot was made for another election (its fingerprint is not this election's)",
            422,
            "wrong_election",
        )
    reused = reused_ciphertexts(ballot, found.used)
    if reused:
        raise CastRefused(_replay_message(reused), 409, "replay")
    try:
        verify_ballot(crypto.manifest, crypto.public_key, crypto.fingerprint, ballot)
    except BallotError as exc:
        raise CastRefused(f"the ballot does not verify: {exc}", 422, "ballot_invalid") from exc
    text_ = fast_canonical(ballot.to_json())
    return Verified(link, crypto, text_.decode("ascii"), hashlib.sha256(text_).hexdigest(), alphas)


async def _lock_open_election(session: AsyncSession, election_id: str) -> None:
    """Lock the election row (PostgreSQL; SQLite ignores FOR UPDATE)."""
    await session.execute(select(Election.id).where(Election.id == election_id).with_for_update())


async def _still_open(session: AsyncSession, election_id: str) -> None:
    state = await session.scalar(select(Election.state).where(Election.id == election_id))
    if state != "open":
        raise CastRefused(*_TOKEN_REFUSALS["expired"])


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
        raise CastRefused(REPLAY, 409, "replay") from exc


def payload_json(
    ballot_text: str, tracker_hex: str, challenge: str | None, unit: str | None = None
) -> str:
    """RFC 8785 text of a ballot entry's payload, assembled from the ballot's canonical text.

    Keys in canonical order; the tracker and challenge id are plain hex/ASCII, so no
    escaping is involved; the unit label (only when the election publishes subtotals) is
    encoded by the canonicaliser.  Saves re-canonicalising the ballot for every entry.
    """
    tail = "" if unit is None else f',"unit":{canonical_json(unit).decode()}'
    if challenge is None:
        return f'{{"ballot":{ballot_text},"tracker":"{tracker_hex}"{tail}}}'
    return f'{{"ballot":{ballot_text},"challenge":"{challenge}","tracker":"{tracker_hex}"{tail}}}'


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


def _naive_utc(moment: datetime) -> datetime:
    """How ``UTCDateTime`` columns store a time (naive UTC), for statements sent directly."""
    return moment.astimezone(UTC).replace(tzinfo=None)


# PostgreSQL statements of the writer, sent straight to asyncpg (prepared once per
# connection): SQLAlchemy's work per statement cost about as much as a round trip, and a
# batch runs a handful of them.  Arrays carry the batch's rows.
_PG_LOCK = "SELECT id FROM elections WHERE id = $1 FOR UPDATE"
_PG_SNAPSHOT = _SNAPSHOT.format(election="$1")
_PG_ALPHAS = (
    "INSERT INTO ballot_alphas (election_id, alpha, use) "
    "SELECT $1, a, u FROM unnest($2::varchar[], $3::varchar[]) AS x(a, u) "
    "ON CONFLICT DO NOTHING RETURNING alpha"
)
_PG_USE_TOKENS = """
    WITH used AS (
        UPDATE voter_tokens SET status = 'used', ended_at = $2
         WHERE id = ANY($1::integer[]) AND status = 'active'
        RETURNING id, voter_id
    ), voted AS (
        UPDATE voters SET voted_at = $2, voted_channel = 'online'
          FROM used WHERE voters.id = used.voter_id
    )
    SELECT id FROM used
    """
_PG_FORGET_ALPHAS = (
    "DELETE FROM ballot_alphas WHERE election_id = $1 AND alpha = ANY($2::varchar[])"
)
# The board entries, the ballots (main count or challenged pool) and the signed head of a
# batch, in one statement.
_PG_APPEND = """
    WITH entries AS (
        INSERT INTO board_entries (election_id, seq, kind, at, payload, prev, hash)
        SELECT $1, * FROM unnest($2::integer[], $3::varchar[], $4::varchar[], $5::text[],
                                 $6::varchar[], $7::varchar[])
    ), casts AS (
        INSERT INTO cast_ballots (election_id, tracker, board_seq, ballot, cast_at)
        SELECT $1, t, s, b, $8 FROM unnest($9::varchar[], $10::integer[], $11::text[]) AS x(t, s, b)
    ), challenged AS (
        INSERT INTO challenged_ballots (id, election_id, voter_id, tracker, board_seq, ballot,
                                        cast_at)
        SELECT i, $1, v, t, s, b, $8
          FROM unnest($12::varchar[], $13::integer[], $14::varchar[], $15::integer[],
                      $16::text[]) AS x(i, v, t, s, b)
    )
    INSERT INTO board_heads (election_id, seq, head, at, prev, signature, hash)
    VALUES ($1, $17, $18, $19, $20, $21, $22)
    """


class _Writer:
    """The statements of one cast transaction; :func:`_commit_group` holds the logic."""

    locks_first = True  # lock (and read the board tip) before the first write

    async def lock(self, election_id: str) -> Any:
        raise NotImplementedError

    async def snapshot(self, election_id: str) -> Any:
        raise NotImplementedError

    async def insert_alphas(self, election_id: str, rows: list[tuple[str, str]]) -> set[str]:
        raise NotImplementedError

    async def use_tokens(
        self, ids: list[int], voter_ids: dict[int, int], now: datetime
    ) -> set[int]:
        """Use the still-active links among ``ids`` and mark their voters; the used ids."""
        raise NotImplementedError

    async def forget_alphas(self, election_id: str, alphas: list[str]) -> None:
        raise NotImplementedError

    async def append(
        self,
        election_id: str,
        entries: list[dict[str, Any]],
        casts: list[dict[str, Any]],
        challenged: list[dict[str, Any]],
        head: SignedHead,
        now: datetime,
    ) -> None:
        raise NotImplementedError


class _CoreWriter(_Writer):
    """SQLAlchemy Core, for SQLite (and any other engine)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.locks_first = conn.dialect.name == "postgresql"

    async def lock(self, election_id: str) -> Any:
        await self.conn.execute(_LOCK_SQL, {"election": election_id})
        return await self.snapshot(election_id)

    async def snapshot(self, election_id: str) -> Any:
        return (await self.conn.execute(_SNAPSHOT_SQL, {"election": election_id})).one()

    async def insert_alphas(self, election_id: str, rows: list[tuple[str, str]]) -> set[str]:
        dialect_insert: Any = pg_insert if self.locks_first else sqlite_insert
        # executemany of one cached statement (SQLAlchemy batches it into multi-row VALUES).
        stmt = dialect_insert(_T_ALPHA).on_conflict_do_nothing().returning(_T_ALPHA.c.alpha)
        values = [{"election_id": election_id, "alpha": a, "use": u} for a, u in rows]
        return {r[0] for r in await self.conn.execute(stmt, values)}

    async def use_tokens(
        self, ids: list[int], voter_ids: dict[int, int], now: datetime
    ) -> set[int]:
        result = await self.conn.execute(
            update(_T_TOKEN)
            .where(_T_TOKEN.c.id.in_(ids), _T_TOKEN.c.status == "active")
            .values(status="used", ended_at=now)
            .returning(_T_TOKEN.c.id)
        )
        used = {r[0] for r in result}
        if used:
            await self.conn.execute(
                update(_T_VOTER)
                .where(_T_VOTER.c.id.in_([voter_ids[t] for t in used]))
                .values(voted_at=now, voted_channel="online")
            )
        return used

    async def forget_alphas(self, election_id: str, alphas: list[str]) -> None:
        await self.conn.execute(
            delete(_T_ALPHA).where(
                _T_ALPHA.c.election_id == election_id, _T_ALPHA.c.alpha.in_(alphas)
            )
        )

    async def append(
        self,
        election_id: str,
        entries: list[dict[str, Any]],
        casts: list[dict[str, Any]],
        challenged: list[dict[str, Any]],
        head: SignedHead,
        now: datetime,
    ) -> None:
        # RETURNING makes SQLAlchemy send one multi-row INSERT per table.
        await self.conn.execute(insert(_T_ENTRY).returning(_T_ENTRY.c.id), entries)
        if casts:
            await self.conn.execute(insert(_T_CAST).returning(_T_CAST.c.id), casts)
        if challenged:
            await self.conn.execute(insert(_T_CHALLENGED).returning(_T_CHALLENGED.c.id), challenged)
        await self.conn.execute(insert(_T_HEAD), head_values(head))


class _PgWriter(_Writer):
    """asyncpg directly, for PostgreSQL: six statements per batch, whatever its size."""

    def __init__(self, driver: Any) -> None:
        self.db = driver

    async def lock(self, election_id: str) -> Any:
        await self.db.fetchval(_PG_LOCK, election_id)
        return await self.snapshot(election_id)

    async def snapshot(self, election_id: str) -> Any:
        return tuple(await self.db.fetchrow(_PG_SNAPSHOT, election_id))

    async def insert_alphas(self, election_id: str, rows: list[tuple[str, str]]) -> set[str]:
        found = await self.db.fetch(
            _PG_ALPHAS, election_id, [a for a, _ in rows], [u for _, u in rows]
        )
        return {r[0] for r in found}

    async def use_tokens(
        self, ids: list[int], voter_ids: dict[int, int], now: datetime
    ) -> set[int]:
        return {r[0] for r in await self.db.fetch(_PG_USE_TOKENS, ids, _naive_utc(now))}

    async def forget_alphas(self, election_id: str, alphas: list[str]) -> None:
        await self.db.execute(_PG_FORGET_ALPHAS, election_id, alphas)

    async def append(
        self,
        election_id: str,
        entries: list[dict[str, Any]],
        casts: list[dict[str, Any]],
        challenged: list[dict[str, Any]],
        head: SignedHead,
        now: datetime,
    ) -> None:
        def column(rows: list[dict[str, Any]], name: str) -> list[Any]:
            return [r[name] for r in rows]

        await self.db.execute(
            _PG_APPEND,
            election_id,
            *(column(entries, c) for c in ("seq", "kind", "at", "payload", "prev", "hash")),
            _naive_utc(now),
            *(column(casts, c) for c in ("tracker", "board_seq", "ballot")),
            *(column(challenged, c) for c in ("id", "voter_id", "tracker", "board_seq", "ballot")),
            head.seq,
            head.head_hash,
            head.at,
            head.prev,
            head.signature,
            head.hash,
        )


async def _driver_connection(conn: AsyncConnection) -> Any:
    """The asyncpg connection under a SQLAlchemy one."""
    raw = await conn.get_raw_connection()
    return raw.driver_connection


async def _commit_group(
    writer: _Writer,
    election_id: str,
    items: list[tuple[int, Verified]],
    key: ServerKey,
    clock: Callable[[], datetime],
) -> dict[int, dict[str, Any] | CastRefused]:
    """One transaction for every verified cast of one election in this batch.

    Set-based: the same few statements whatever the batch size, so the election lock is
    held for a handful of round trips however many voters are casting at once.  The
    caller commits; returning normally with refusals only means nothing was accepted.
    """
    out: dict[int, dict[str, Any] | CastRefused] = {}
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
            out[i] = CastRefused(REPLAY, 409, "replay")
    used: set[int] = set()
    if live:
        voters = {v.link.token_id: v.link.voter_id for _, v in live}
        used = await writer.use_tokens(list(voters), voters, now)
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
            a.kind, a.challenge = KIND_CHALLENGED, new_challenge_id()
        payload_text = payload_json(v.ballot_text, v.tracker, a.challenge, v.link.unit)
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
) -> dict[int, dict[str, Any] | CastRefused]:
    """:func:`_commit_group` on the asyncpg connection, in its own transaction."""
    driver = await _driver_connection(conn)
    transaction = driver.transaction()
    await transaction.start()
    try:
        done = await _commit_group(_PgWriter(driver), election_id, items, key, clock)
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
) -> list[dict[str, Any] | CastRefused]:
    """Cast a batch of verified ballots: per election, one all-or-nothing transaction.

    A failed transaction refuses its own casts (503) only: other elections' casts in the
    batch may already be committed and get their receipts.  ``on_failure`` is told, so
    the caller can give the connection back instead of reusing it.
    """
    results: list[dict[str, Any] | CastRefused | None] = [None] * len(batch)
    tokens: set[int] = set()
    alphas: set[str] = set()
    groups: dict[str, list[tuple[int, Verified]]] = {}
    for i, v in enumerate(batch):
        if v.link.token_id in tokens:  # the same link twice in one batch
            results[i] = USED
        elif any(a in alphas for a in v.alphas):  # the same ciphertext twice in one batch
            results[i] = CastRefused(REPLAY, 409, "replay")
        else:
            tokens.add(v.link.token_id)
            alphas.update(v.alphas)
            groups.setdefault(v.crypto.election_id, []).append((i, v))
    failed = False
    for election_id, items in groups.items():
        try:
            if failed:  # the connection is in doubt after a failure: nothing more on it
                raise RuntimeError("an earlier transaction of this batch failed")
            if conn.dialect.name == "postgresql":
                done = await _commit_pg(conn, election_id, items, key, clock)
            else:
                async with conn.begin() as transaction:
                    done = await _commit_group(_CoreWriter(conn), election_id, items, key, clock)
                    if not any(isinstance(r, dict) for r in done.values()):
                        await transaction.rollback()
        except Exception:
            log.exception("cast transaction failed")
            failed = True
            done = {i: CastRefused(TRY_AGAIN, 503, "try_again") for i, _ in items}
        for i, result in done.items():
            results[i] = result
    if failed and on_failure is not None:
        on_failure()
    return [r if r is not None else CastRefused(REPLAY, 409, "replay") for r in results]


class CastQueue(_Batcher[Verified, dict[str, Any]]):
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
        super().__init__(_engine(factory))
        self.factory, self.key, self.clock = factory, key, clock
        self.reader = LinkReader(self.engine)

    async def run(
        self, conn: AsyncConnection, items: list[Verified]
    ) -> list[dict[str, Any] | CastRefused]:
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
    return {**body, "signature": key.sign_hex(fast_canonical(body))}


async def cast(
    factory: async_sessionmaker[AsyncSession],
    token: str,
    ballot_json: Mapping[str, Any],
    queue: CastQueue,
) -> dict[str, Any]:
    """Verify (no lock held), then cast through the queue; raises CastRefused on refusal."""
    verified = await verify_for_cast(queue.reader, token, ballot_json)
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
            raise CastRefused(f"the audit is malformed: {exc}", 400, "audit_malformed") from exc
        if audited.ballot.election != crypto.fingerprint:
            raise CastRefused(
                "the audited ballot was made for another election", 422, "wrong_election"
            )
        try:
            check_audit(crypto.manifest, crypto.public_key, crypto.fingerprint, audited)
        except BallotError as exc:
            raise CastRefused(f"the audit does not check out: {exc}", 422, "audit_invalid") from exc
        count = await session.scalar(
            select(TokenAudit.audits).where(TokenAudit.token_id == found.token_id)
        )
    if (count or 0) >= MAX_AUDITS_PER_LINK:
        raise CastRefused(
            f"this link has already audited {MAX_AUDITS_PER_LINK} ballots; cast one now",
            429,
            "audit_limit",
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
