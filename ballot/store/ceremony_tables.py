"""The remote key ceremony's messages, one row per (attempt, round, trustee).

Trustees run the ceremony from their own laptops (``ballot trustee ceremony``); the
server keeps each accepted round message here until the ceremony settles, and also
publishes it on the board (``note.ceremony.<round>``).  ``epoch`` is the board seq of
the election definition the ceremony is bound to: going back to draft and defining the
election again starts a new attempt, so an old attempt's messages are never mixed in,
even when the definition (hence the manifest hash) did not change.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ballot.store.base import Base
from ballot.store.types import UTCDateTime

#: The rounds a trustee posts in, in order, and the server's own "failure" note.
ROUNDS = ("receiving_key", "dealing", "complaints", "resolutions", "failure")


class CeremonyMessage(Base):
    """One trustee's accepted message for one round (canonical JSON); trustee 0 = the server."""

    __tablename__ = "ceremony_messages"
    __table_args__ = (
        UniqueConstraint(
            "election_id", "epoch", "round", "trustee", name="uq_ceremony_messages_one_per_round"
        ),
        CheckConstraint(
            "round IN ('receiving_key', 'dealing', 'complaints', 'resolutions', 'failure')",
            name="round",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    epoch: Mapped[int] = mapped_column(Integer)
    round: Mapped[str] = mapped_column(String(20))
    trustee: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())
