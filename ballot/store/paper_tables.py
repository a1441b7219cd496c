"""The table of hand counts awaiting their second entry (PROTOCOL 11.11, OPERATIONS).

Paper envelopes themselves are board entries (``paper.received``, ``paper.set_aside``),
read from the board.  A hand count is posted only when two different committee members
have entered the same figures for a pool; the first entry waits here, and is removed when
the second agrees (the count goes on the board) or disagrees (both count again).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ballot.store.base import Base
from ballot.store.types import UTCDateTime


class HandCountEntry(Base):
    """One committee member's entry of a pool's hand count, waiting for a second."""

    __tablename__ = "hand_count_entries"
    __table_args__ = (UniqueConstraint("election_id", "pool", name="uq_hand_count_entries_pool"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    pool: Mapped[str] = mapped_column(String(100))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    #: The figures as JSON: ``[{"id", "counts", "blank"}, ...]`` per question.
    figures: Mapped[str] = mapped_column(Text)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime())
