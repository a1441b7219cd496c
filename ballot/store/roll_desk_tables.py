"""Tables of the roll and accounts in the browser: observer kinds and roll drafts.

``election_observers`` says which observer accounts follow which election and what they
may see there: who has voted (names), or counts only.  Union rules let each side name
observers; an employer's observer must not learn, while voting runs, which members have
voted (a list of names is a list of whom to lean on).  An observer with no row for an
election sees counts only there: the narrower right is the default.

``roll_drafts`` keeps an uploaded roll file whose rows had problems, so the committee can
correct the bad rows in the browser and submit again without uploading 260,000 rows anew;
nothing of a draft is on the roll until the whole file passes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ballot.store.base import Base
from ballot.store.types import UTCDateTime


class ElectionObserver(Base):
    """An observer account's right in one election: names, or counts only."""

    __tablename__ = "election_observers"
    __table_args__ = (
        UniqueConstraint("election_id", "account_id", name="uq_election_observers_pair"),
        Index("ix_election_observers_account_id", "account_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    sees_names: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RollDraft(Base):
    """A roll file that did not import, waiting for its bad rows to be corrected."""

    __tablename__ = "roll_drafts"
    __table_args__ = (Index("ix_roll_drafts_election_id", "election_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
