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

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

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
from ballot.record.canonical import canonical_json
from ballot.record.signing import ServerKey
from ballot.store.board import append_board, head_json, sign_board_head
from ballot.store.cast_tables import BallotAlpha, CastBallot, TokenAudit
from ballot.store.challenged import add_challenged
from ballot.store.models import Election
from ballot.store.tokens import TokenLookup, consume_token, lookup_token

KIND_CAST = "ballot.cast"
KIND_CHALLENGED = "ballot.challenged"
#: Audited (spoiled) ballots are published as a note: the record verifier checks notes for
#: chaining only, and an audited ballot is never counted.
KIND_AUDITED = "note.ballot.audited"
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


def refuse_token(found: TokenLookup | None) -> None:
    if found is None:
        raise CastRefused("this voting link is not valid", 404)
    if found.status != "active":
        message, status = _TOKEN_REFUSALS.get(found.status, ("this voting link is not valid", 404))
        raise CastRefused(message, status)


# --------------------------------------------------------------------------- cast


@dataclass(frozen=True)
class Verified:
    """A ballot that passed every check made outside the transaction."""

    lookup: TokenLookup
    crypto: ElectionCrypto
    ballot: EncryptedBallot
    ballot_json: dict[str, Any]
    tracker: str
    alphas: list[str]


async def _used_alphas(session: AsyncSession, election_id: str, alphas: list[str]) -> set[bytes]:
    rows = await session.scalars(
        select(BallotAlpha.alpha).where(
            BallotAlpha.election_id == election_id, BallotAlpha.alpha.in_(alphas)
        )
    )
    return {bytes.fromhex(a) for a in rows}


def _replay_message(positions: list[tuple[int, int]]) -> str:
    where = ", ".join(f"question {q + 1} slot {s + 1}" for q, s in positions[:3])
    return (
        f"replayed ciphertext: {where} already appears on this election's board "
        "(or in an audited ballot); encrypt a fresh ballot"
    )


async def verify_for_cast(
    session: AsyncSession, token: str, ballot_json: Mapping[str, Any]
) -> Verified:
    """Every check that needs no lock: token state, strict parse, proofs, replay pre-check."""
    found = await lookup_token(session, token)
    refuse_token(found)
    assert found is not None
    crypto = election_crypto(found.election)
    try:
        ballot = EncryptedBallot.from_json(ballot_json)
    except BallotError as exc:
        raise CastRefused(f"the ballot is malformed: {exc}", 400) from exc
    if ballot.election != crypto.fingerprint:
        raise CastRefused(
            "the ballot was made for another election (its fingerprint is not this election's)",
            422,
        )
    alphas = [a.hex() for a in ballot_alphas(ballot)]
    seen = await _used_alphas(session, crypto.election_id, alphas)
    reused = reused_ciphertexts(ballot, seen)
    if reused:
        raise CastRefused(_replay_message(reused), 409)
    try:
        verify_ballot(crypto.manifest, crypto.public_key, crypto.fingerprint, ballot)
    except BallotError as exc:
        raise CastRefused(f"the ballot does not verify: {exc}", 422) from exc
    canonical = ballot.to_json()
    return Verified(found, crypto, ballot, canonical, tracker(canonical), alphas)


async def _lock_open_election(session: AsyncSession, election_id: str) -> None:
    """Lock the election row (PostgreSQL), then insist it is open."""
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
        raise CastRefused(
            "replayed ciphertext: part of this ballot already appears on this election's board "
            "(or in an audited ballot); encrypt a fresh ballot",
            409,
        ) from exc


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


async def commit_cast(
    session: AsyncSession,
    verified: Verified,
    key: ServerKey,
    clock: Callable[[], datetime],
) -> dict[str, Any]:
    """The cast transaction (see the module docstring); returns the signed receipt."""
    election_id = verified.crypto.election_id
    try:
        await _lock_open_election(session, election_id)
        now = clock()
        if not await consume_token(session, verified.lookup, now):
            raise CastRefused(_TOKEN_REFUSALS["used"][0], 409)
        await _still_open(session, election_id)
        challenged = verified.lookup.voter.challenged
        use = "challenged" if challenged else "cast"
        await _record_alphas(session, election_id, verified.alphas, use)
        challenge: str | None = None
        if challenged:
            challenge, row = await add_challenged(
                session,
                election_id,
                verified.lookup.voter.id,
                verified.ballot_json,
                verified.tracker,
                now,
            )
            kind = KIND_CHALLENGED
        else:
            kind = KIND_CAST
            row = await append_board(
                session,
                election_id,
                kind,
                {"ballot": verified.ballot_json, "tracker": verified.tracker},
                now,
            )
            await session.execute(
                insert(CastBallot).values(
                    election_id=election_id,
                    tracker=verified.tracker,
                    board_seq=row.seq,
                    ballot=canonical_json(verified.ballot_json).decode("utf-8"),
                    cast_at=now,
                )
            )
        head = await sign_board_head(session, election_id, key, now)
        assert head is not None
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    return _receipt(key, verified, kind, row.seq, row.hash, head_json(head), challenge)


async def cast(
    factory: async_sessionmaker[AsyncSession],
    token: str,
    ballot_json: Mapping[str, Any],
    key: ServerKey,
    clock: Callable[[], datetime],
) -> dict[str, Any]:
    """Verify (no lock held), then cast in one transaction; raises CastRefused on refusal."""
    async with factory() as session:
        verified = await verify_for_cast(session, token, ballot_json)
    async with factory() as session:
        return await commit_cast(session, verified, key, clock)


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
