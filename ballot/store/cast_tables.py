"""Tables of the casting path: cast ballots, the challenged pool, used ciphertexts, audits.

* ``cast_ballots`` — every ballot accepted into the main count, by tracker, with its
  board position.  There is deliberately **no voter column**: who voted is recorded
  on the roll (``voters.voted_at``), how never is.
* ``challenged_ballots`` — a challenged voter's sealed ballot, *with* the voter's id
  outside it (the envelope), kept apart so it never enters the main tally on its own.
* ``ballot_alphas`` — every slot alpha seen in a cast, challenged or audited ballot,
  unique per election: the database itself refuses a replayed (or audited) ciphertext
  even if two casts race past the application's check.
* ``token_audits`` — how many Benaloh audits a voter's link has posted (a bound on
  board spam); it holds a count only, never which ballots were audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ballot.store.base import Base
from ballot.store.types import UTCDateTime


class CastBallot(Base):
    """An accepted ballot (encrypted), counted in the main tally."""

    __tablename__ = "cast_ballots"
    __table_args__ = (
        UniqueConstraint("election_id", "tracker", name="uq_cast_ballots_election_tracker"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    tracker: Mapped[str] = mapped_column(String(64))
    board_seq: Mapped[int] = mapped_column(Integer)
    ballot: Mapped[str] = mapped_column(Text)
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChallengedBallot(Base):
    """A challenged voter's ballot: sealed (encrypted), the voter's identity on the envelope."""

    __tablename__ = "challenged_ballots"
    __table_args__ = (
        UniqueConstraint("election_id", "voter_id", name="uq_challenged_ballots_election_voter"),
        CheckConstraint(
            "decision IS NULL OR decision IN ('sustained', 'overruled')", name="decision"
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # the public challenge id
    election_id: Mapped[str] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    voter_id: Mapped[int] = mapped_column(ForeignKey("voters.id", ondelete="CASCADE"))
    tracker: Mapped[str] = mapped_column(String(64))
    board_seq: Mapped[int] = mapped_column(Integer)
    ballot: Mapped[str] = mapped_column(Text)
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decision: Mapped[str | None] = mapped_column(String(10), default=None)


class BallotAlpha(Base):
    """One slot alpha (hex) already used in this election; the primary key forbids reuse."""

    __tablename__ = "ballot_alphas"
    __table_args__ = (CheckConstraint("use IN ('cast', 'challenged', 'audited')", name="use"),)

    election_id: Mapped[str] = mapped_column(
        ForeignKey("elections.id", ondelete="CASCADE"), primary_key=True
    )
    alpha: Mapped[str] = mapped_column(String(64), primary_key=True)
    use: Mapped[str] = mapped_column(String(10))


class TokenAudit(Base):
    """Number of audited ballots posted with one voter link (no link to the ballots)."""

    __tablename__ = "token_audits"

    token_id: Mapped[int] = mapped_column(
        ForeignKey("voter_tokens.id", ondelete="CASCADE"), primary_key=True
    )
    audits: Mapped[int] = mapped_column(Integer, default=0)
