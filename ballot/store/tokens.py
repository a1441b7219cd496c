"""One-time voter tokens: issue, look up, consume, reissue, revoke, expire.

A token is ``secrets.token_urlsafe(32)`` (256 bits) and exists in clear only in the
voter's email; the table keeps its SHA-256 under a unique index, so looking one up is
an index probe on a hash (no string comparison an attacker could time).  States:

* ``active``   — can be used to cast once;
* ``used``     — a ballot was cast with it;
* ``revoked``  — withdrawn by the committee (e.g. the member voted on paper);
* ``replaced`` — superseded by a reissued token;
* ``expired``  — the vote closed before it was used.

Consumption is a conditional ``UPDATE ... WHERE status = 'active'`` inside the cast
transaction, so two concurrent casts with the same token cannot both succeed.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.store.bulk import insert_rows
from ballot.store.models import Election, Voter, VoterToken

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 64
#: The columns issue_tokens writes, in the order of its rows.
ISSUED = ("election_id", "voter_id", "token_hash", "status", "issued_at")


class TokenError(ValueError):
    """A token operation that does not fit the voter's state (clear message for the committee)."""


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A freshly issued token with what is needed to mail it (kept in memory only)."""

    voter_id: int
    token: str
    email: str
    name: str
    language: str
    alias: str | None = None  # the member's alias (protocol v2), shown in the invitation


@dataclass(frozen=True)
class TokenLookup:
    token_id: int
    status: str
    voter: Voter
    election: Election


async def issue_tokens(session: AsyncSession, election_id: str, now: datetime) -> list[IssuedToken]:
    """Issue one token to every voter on the roll who has none active.

    One bulk write whatever the roll's size (COPY on PostgreSQL), inside the caller's
    transaction: the tokens exist only if the opening commits.
    """
    with_token = select(VoterToken.voter_id).where(
        VoterToken.election_id == election_id, VoterToken.status == "active"
    )
    rows = (
        await session.execute(
            select(Voter.id, Voter.email, Voter.name, Voter.language, Voter.alias).where(
                Voter.election_id == election_id,
                Voter.voted_at.is_(None),
                Voter.id.not_in(with_token),
            )
        )
    ).all()
    issued = [IssuedToken(r.id, new_token(), r.email, r.name, r.language, r.alias) for r in rows]
    await insert_rows(
        session,
        VoterToken,
        ISSUED,
        ((election_id, t.voter_id, hash_token(t.token), "active", now) for t in issued),
    )
    return issued


async def _end_active(session: AsyncSession, voter_id: int, status: str, now: datetime) -> int:
    result = await session.execute(
        update(VoterToken)
        .where(VoterToken.voter_id == voter_id, VoterToken.status == "active")
        .values(status=status, ended_at=now)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


async def reissue_token(
    session: AsyncSession, voter: Voter, now: datetime, *, token: str | None = None
) -> IssuedToken:
    """Replace the voter's token: the old link stops working at once.

    ``token`` is a fresh one drawn by :func:`new_token` beforehand (printed letters are
    made before the reissue is written, so that no lock is held while they are); by
    default one is drawn here.
    """
    if voter.voted_at is not None:
        raise TokenError(f"member {voter.member_id} has already voted")
    await _end_active(session, voter.id, "replaced", now)
    token = token or new_token()
    session.add(
        VoterToken(
            election_id=voter.election_id,
            voter_id=voter.id,
            token_hash=hash_token(token),
            status="active",
            issued_at=now,
        )
    )
    await session.flush()
    return IssuedToken(voter.id, token, voter.email, voter.name, voter.language, voter.alias)


async def revoke_token(
    session: AsyncSession, voter: Voter, now: datetime, *, voted_on_paper: bool = False
) -> None:
    """Withdraw the voter's token; with ``voted_on_paper`` the member is recorded as having voted."""
    if voter.voted_at is not None:
        raise TokenError(f"member {voter.member_id} has already voted ({voter.voted_channel})")
    ended = await _end_active(session, voter.id, "revoked", now)
    if not ended and not voted_on_paper:
        raise TokenError(f"member {voter.member_id} has no active token")
    if voted_on_paper:
        voter.voted_at = now
        voter.voted_channel = "paper"
    await session.flush()


async def expire_tokens(session: AsyncSession, election_id: str, now: datetime) -> int:
    """At close every unused token dies."""
    result = await session.execute(
        update(VoterToken)
        .where(VoterToken.election_id == election_id, VoterToken.status == "active")
        .values(status="expired", ended_at=now)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


async def lookup_token(session: AsyncSession, token: str) -> TokenLookup | None:
    """Find a token by its hash; ``None`` if no such token exists.  Never changes anything.

    The status is the stored one, except that an active token of an election that is
    no longer open reads as ``expired`` (the close may not have been applied yet).
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = (
        await session.execute(
            select(VoterToken, Voter, Election)
            .join(Voter, Voter.id == VoterToken.voter_id)
            .join(Election, Election.id == VoterToken.election_id)
            .where(VoterToken.token_hash == hash_token(token))
        )
    ).first()
    if row is None:
        return None
    vt, voter, election = row
    status = vt.status
    if status == "active" and election.state != "open":
        status = "expired"
    return TokenLookup(vt.id, status, voter, election)


async def consume_token(session: AsyncSession, lookup: TokenLookup, now: datetime) -> bool:
    """Use the token once, inside the cast transaction.  False if it was not active.

    Exactly one of several concurrent casts with the same token gets True; the others
    must roll back their cast.
    """
    result = await session.execute(
        update(VoterToken)
        .where(VoterToken.id == lookup.token_id, VoterToken.status == "active")
        .values(status="used", ended_at=now)
    )
    if (result.rowcount or 0) != 1:  # type: ignore[attr-defined]
        return False
    await session.execute(
        update(Voter)
        .where(Voter.id == lookup.voter.id)
        .values(voted_at=now, voted_channel="online")
    )
    return True


async def token_counts(session: AsyncSession, election_id: str) -> dict[str, int]:
    from sqlalchemy import func

    rows = await session.execute(
        select(VoterToken.status, func.count())
        .where(VoterToken.election_id == election_id)
        .group_by(VoterToken.status)
    )
    return {status: int(n) for status, n in rows.all()}
