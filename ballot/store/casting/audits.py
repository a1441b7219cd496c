"""Benaloh audits: a spoiled ballot checked, its ciphertexts barred, published on the board.

The voter's link must still be active (a bound on who can post), but nothing links the
published audit to the voter: ``token_audits`` keeps only a count per link, at most
:data:`MAX_AUDITS_PER_LINK`.

The proofs are checked before the transaction.  Everything that must hold at the moment
of publishing is counted and written inside one transaction that holds the election's
lock: the link's count (one upsert, so simultaneous audits with one link can neither pass
the limit nor collide on the count's key), the link's and the election's state, the
barred alphas, the board entry and the signed head.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ballot.crypto.ballots import (
    AuditedBallot,
    BallotError,
    ballot_alphas,
    check_audit,
    tracker,
    tracker_display,
)
from ballot.election.refusal import Grounds, Refused
from ballot.record.kinds import Kind
from ballot.record.signing import ServerKey
from ballot.store.board import append_board, head_json, sign_board_head
from ballot.store.cast_tables import BallotAlpha, TokenAudit
from ballot.store.casting.context import election_context
from ballot.store.casting.refusals import CLOSED, link_refused, refuse_token, replay
from ballot.store.models import Election, VoterToken
from ballot.store.tokens import lookup_token

#: Most audits one voter link may post: plenty for a careful voter, a bound on board spam.
MAX_AUDITS_PER_LINK: Final = 20


def _limit_reached() -> Refused:
    return Refused(
        f"this link has already audited {MAX_AUDITS_PER_LINK} ballots; cast one now",
        code="audit_limit",
        grounds=Grounds.TOO_MANY,
    )


async def audit(
    factory: async_sessionmaker[AsyncSession],
    token: str,
    audit_json: Mapping[str, Any],
    key: ServerKey,
    clock: Callable[[], datetime],
) -> dict[str, Any]:
    """Check a Benaloh-audited (spoiled) ballot, bar its ciphertexts and publish it."""
    async with factory() as session:
        found = await lookup_token(session, token)
        refuse_token(found)
        assert found is not None
        election_id, token_id = found.election.id, found.token_id
        context = election_context(found.election)
        unit = found.voter.unit or ""  # the member's layout: their unit's races
    try:
        audited = AuditedBallot.from_json(audit_json)
    except BallotError as exc:
        raise Refused(
            f"the audit is malformed: {exc}", code="audit_malformed", grounds=Grounds.INVALID
        ) from exc
    if audited.ballot.election != context.fingerprint:
        raise Refused(
            "the audited ballot was made for another election",
            code="wrong_election",
            grounds=Grounds.UNPROCESSABLE,
        )
    try:
        check_audit(
            context.manifest, context.joint_public_key, context.fingerprint, audited, unit=unit
        )
    except BallotError as exc:
        raise Refused(
            f"the audit does not check out: {exc}",
            code="audit_invalid",
            grounds=Grounds.UNPROCESSABLE,
        ) from exc
    published = audited.audit_json()
    track = tracker(audited.ballot)
    entry: dict[str, Any] = {"audit": published, "tracker": track}
    if context.manifest.has_units:  # which layout the audit is read with (PROTOCOL 11.2)
        entry["unit"] = unit
    alphas = [a.hex() for a in ballot_alphas(audited.ballot)]
    async with factory() as session:
        try:
            await _lock_election(session, election_id)
            # On SQLite this first write takes the database's writer lock: everything
            # read from here on is current, as under PostgreSQL's row lock.
            if await _count_audit(session, token_id) > MAX_AUDITS_PER_LINK:
                raise _limit_reached()
            now = clock()
            await _still_usable(session, election_id, token_id)
            await _record_alphas(session, election_id, alphas)
            row = await append_board(session, election_id, Kind.AUDITED, entry, now)
            head = await sign_board_head(session, election_id, key, now)
            assert head is not None
            await session.commit()
        except IntegrityError as exc:
            await session.rollback()
            raise Refused(
                "the audit conflicts with another change made at the same moment; "
                "nothing was recorded, please send it again",
                code="audit_conflict",
                grounds=Grounds.CONFLICT,
            ) from exc
        except BaseException:
            await session.rollback()
            raise
    return {
        "tracker": track,
        "tracker_short": tracker_display(track),
        "seq": row.seq,
        "head": head_json(head),
    }


async def _lock_election(session: AsyncSession, election_id: str) -> None:
    """Lock the election row (PostgreSQL; SQLite ignores FOR UPDATE)."""
    await session.execute(select(Election.id).where(Election.id == election_id).with_for_update())


async def _count_audit(session: AsyncSession, token_id: int) -> int:
    """Add one to the link's audit count and return the new count (one atomic upsert)."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    dialect_insert: Any = pg_insert if postgresql else sqlite_insert
    statement = (
        dialect_insert(TokenAudit)
        .values(token_id=token_id, audits=1)
        .on_conflict_do_update(
            index_elements=[TokenAudit.token_id], set_={"audits": TokenAudit.audits + 1}
        )
        .returning(TokenAudit.audits)
    )
    return int(await session.scalar(statement) or 0)


async def _still_usable(session: AsyncSession, election_id: str, token_id: int) -> None:
    """The election is still open and the link still active, as of the lock."""
    state = await session.scalar(select(Election.state).where(Election.id == election_id))
    if state != "open":
        raise CLOSED
    status = await session.scalar(select(VoterToken.status).where(VoterToken.id == token_id))
    if status != "active":
        raise link_refused(status)


async def _record_alphas(session: AsyncSession, election_id: str, alphas: list[str]) -> None:
    """Bar these alphas for good; the primary key makes a racing replay fail here."""
    try:
        await session.execute(
            insert(BallotAlpha),
            [{"election_id": election_id, "alpha": a, "use": "audited"} for a in alphas],
        )
    except IntegrityError as exc:
        raise replay() from exc
