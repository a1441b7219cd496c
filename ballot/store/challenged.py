"""The challenged pool: ballots of voters whose eligibility is disputed.

As on paper, the ballot goes into a sealed envelope (it stays encrypted) with the
voter's identity written *outside* it: ``challenged_ballots`` links a random challenge
id to the voter, while the board shows only the challenge id and the ballot.  A
challenged ballot never enters the main tally on its own: if the challenges are
determinative and a challenge is overruled, the ballot is counted together with the
others (the homomorphic tally mixes it in); if not, it is never opened.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.record.canonical import canonical_json
from ballot.record.kinds import Kind
from ballot.store.board import append_board
from ballot.store.cast_tables import ChallengedBallot
from ballot.store.models import BoardEntryRow


def new_challenge_id() -> str:
    """Random, so the public id says nothing about who the voter is."""
    return "c" + secrets.token_hex(8)


async def add_challenged(
    session: AsyncSession,
    election_id: str,
    voter_id: int,
    ballot_json: dict[str, Any],
    tracker: str,
    now: datetime,
) -> tuple[str, BoardEntryRow]:
    """Seal a challenged voter's ballot (in the caller's transaction) and publish it."""
    challenge = new_challenge_id()
    row = await append_board(
        session,
        election_id,
        Kind.CHALLENGED,
        {"challenge": challenge, "ballot": ballot_json, "tracker": tracker},
        now,
    )
    await session.execute(
        insert(ChallengedBallot).values(
            id=challenge,
            election_id=election_id,
            voter_id=voter_id,
            tracker=tracker,
            board_seq=row.seq,
            ballot=canonical_json(ballot_json).decode("utf-8"),
            cast_at=now,
        )
    )
    return challenge, row


async def challenged_ballots(session: AsyncSession, election_id: str) -> list[ChallengedBallot]:
    """The pool, in board order (for the committee deciding challenges)."""
    rows = await session.scalars(
        select(ChallengedBallot)
        .where(ChallengedBallot.election_id == election_id)
        .order_by(ChallengedBallot.board_seq)
    )
    return list(rows)


async def find_challenged(
    session: AsyncSession, election_id: str, challenge_id: str
) -> ChallengedBallot | None:
    """One sealed envelope by its public challenge id (None if not in this election)."""
    return await session.scalar(
        select(ChallengedBallot).where(
            ChallengedBallot.election_id == election_id, ChallengedBallot.id == challenge_id
        )
    )
