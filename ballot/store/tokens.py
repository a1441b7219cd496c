"""One-time voter tokens: issue, look up, consume, reissue, revoke, expire.

A token is ``secrets.token_urlsafe(32)`` (256 bits) and exists in clear only in the
voter's email; the table keeps its SHA-256 under a unique index, so looking one up is
an index probe on a hash (no string comparison an attacker could time).  A printed
letter's token is a *letter code* instead (:func:`new_letter_token`): 100 bits a member
can type, stored and looked up the same way.  States:

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
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.store.bulk import insert_rows
from ballot.store.models import Election, Voter, VoterToken

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 64
#: Crockford's base 32: digits and capitals without I, L, O and U (no pair to confuse).
LETTER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: A letter code: four groups of five characters, 100 bits.
LETTER_GROUPS, LETTER_GROUP = 4, 5
#: What a member may type for a character Crockford's alphabet leaves out.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
#: The columns issue_tokens writes, in the order of its rows.
ISSUED = ("election_id", "voter_id", "token_hash", "status", "issued_at")


class TokenError(ValueError):
    """A token operation that does not fit the voter's state (clear message for the committee)."""


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_letter_token() -> str:
    """A token a member can type from paper: ``7K3MQ-9XZ4R-...`` (Crockford base 32).

    Twenty random characters are 100 bits: with every look-up rate limited and a roll of
    260,000 live codes, a guess succeeds with odds of about 2 in 10^25; the table keeps
    only its SHA-256, like any token.  Groups of five, so that it is never taken for a
    tracker (groups of four, and public).
    """
    chars = "".join(secrets.choice(LETTER_ALPHABET) for _ in range(LETTER_GROUPS * LETTER_GROUP))
    return _grouped(chars)


def _grouped(chars: str) -> str:
    size = LETTER_GROUP
    return "-".join(chars[i : i + size] for i in range(0, len(chars), size))


def letter_token_of(typed: str) -> str | None:
    """The letter code a member meant, as stored, or None if ``typed`` cannot be one.

    Forgiving of what people do when they copy a code: lower case, spaces or dashes
    anywhere, O for 0, I or L for 1, the whole printed address in front.
    """
    if len(typed) > 200:
        return None
    text = typed.rsplit("/", 1)[-1].upper().translate(_READ_AS)
    chars = "".join(c for c in text if not c.isspace() and c not in "-.")
    if len(chars) != LETTER_GROUPS * LETTER_GROUP or any(c not in LETTER_ALPHABET for c in chars):
        return None
    return _grouped(chars)


@dataclass(frozen=True)
class IssuedToken:
    """A freshly issued token with what is needed to mail it (kept in memory only)."""

    voter_id: int
    token: str
    email: str | None  # None: a member reached only by text message
    name: str
    language: str
    alias: str | None = None  # the member's alias (protocol v2), shown in the invitation
    phone: str | None = None  # E.164, for a text message
    channel: str = "email"  # how the member asked to be reached: "email" or "sms"


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
            select(
                Voter.id,
                Voter.email,
                Voter.name,
                Voter.language,
                Voter.alias,
                Voter.phone,
                Voter.channel,
            ).where(
                Voter.election_id == election_id,
                Voter.voted_at.is_(None),
                Voter.id.not_in(with_token),
            )
        )
    ).all()
    issued = [
        IssuedToken(r.id, new_token(), r.email, r.name, r.language, r.alias, r.phone, r.channel)
        for r in rows
    ]
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
    session: AsyncSession,
    voter: Voter,
    now: datetime,
    *,
    token: str | None = None,
    channel: str = "online",
) -> IssuedToken:
    """Replace the voter's token: the old link stops working at once.

    ``token`` is a fresh one drawn by :func:`new_token` beforehand (printed letters are
    made before the reissue is written, so that no lock is held while they are); by
    default one is drawn here.  ``channel``: ``in_person`` for a credential minted at a
    polling-place check-in (the roll then says the member voted in person).
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
            channel=channel,
            issued_at=now,
        )
    )
    await session.flush()
    return IssuedToken(
        voter.id,
        token,
        voter.email,
        voter.name,
        voter.language,
        voter.alias,
        voter.phone,
        voter.channel,
    )


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


async def end_for_paper(session: AsyncSession, voter: Voter, now: datetime) -> None:
    """The member's paper envelope was received: any live link dies (revoked) and the member
    is recorded as having voted on paper."""
    await _end_active(session, voter.id, "revoked", now)
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

    A token not found as given is tried once more as a letter code typed loosely
    (:func:`letter_token_of`), so a code typed into the address bar in lower case works.
    The status is the stored one, except that an active token of an election that is
    no longer open reads as ``expired`` (the close may not have been applied yet).
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = await _by_hash(session, token)
    if row is None:
        code = letter_token_of(token)
        if code is None or code == token:
            return None
        row = await _by_hash(session, code)
    if row is None:
        return None
    vt, voter, election = row
    status = vt.status
    if status == "active" and election.state != "open":
        status = "expired"
    return TokenLookup(vt.id, status, voter, election)


async def _by_hash(session: AsyncSession, token: str) -> Any:
    return (
        await session.execute(
            select(VoterToken, Voter, Election)
            .join(Voter, Voter.id == VoterToken.voter_id)
            .join(Election, Election.id == VoterToken.election_id)
            .where(VoterToken.token_hash == hash_token(token))
        )
    ).first()


async def consume_token(session: AsyncSession, lookup: TokenLookup, now: datetime) -> bool:
    """Use the token once, inside the cast transaction.  False if it was not active.

    Exactly one of several concurrent casts with the same token gets True; the others
    must roll back their cast.
    """
    result = await session.execute(
        update(VoterToken)
        .where(VoterToken.id == lookup.token_id, VoterToken.status == "active")
        .values(status="used", ended_at=now)
        .returning(VoterToken.channel)
    )
    channel = result.scalar()
    if channel is None:
        return False
    await session.execute(
        update(Voter).where(Voter.id == lookup.voter.id).values(voted_at=now, voted_channel=channel)
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
