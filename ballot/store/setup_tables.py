"""Tables of the set-up checklist: trustees' rehearsals, test messages, the posted notice.

* ``trustee_rehearsals`` — each rehearsal challenge the server issued to a trustee (a
  random nonce, for the joint key of the day) and when the trustee's answer proved their
  key (``proved_at``).  A proof counts only for the joint key it was made for: returning
  to draft discards the key, and with it what the old rehearsals proved.
* ``setup_test_messages`` — each test invitation the committee sent (the outbox message
  it became) and when the committee confirmed it arrived.
* ``election_notices`` — each time the committee recorded posting the notice of election:
  the date, the place, who recorded it.  The latest is the one in force.

None of these is on the public board: a rehearsal decrypts only the server's own
rehearsal ciphertext, so nothing a voter cast is involved; each act is in the activity log.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ballot.store.base import Base
from ballot.store.types import UTCDateTime


class TrusteeRehearsal(Base):
    """One rehearsal challenge to one trustee, and when (if) its answer proved their key."""

    __tablename__ = "trustee_rehearsals"
    __table_args__ = (Index("ix_trustee_rehearsals_election_position", "election_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    joint_public_key: Mapped[str] = mapped_column(String(128))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    proved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class SetupTestMessage(Base):
    """A test invitation the committee sent itself, and whether it saw it arrive."""

    __tablename__ = "setup_test_messages"
    __table_args__ = (Index("ix_setup_test_messages_election_id", "election_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    to_address: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(8))
    #: The outbox message it became (no foreign key: the outbox has none either).
    outbox_id: Mapped[int | None] = mapped_column(Integer, default=None)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    confirmed_by: Mapped[str | None] = mapped_column(String(320), default=None)


class ElectionNotice(Base):
    """The committee's record that it posted the notice of election: when and where."""

    __tablename__ = "election_notices"
    __table_args__ = (Index("ix_election_notices_election_id", "election_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    posted_on: Mapped[date] = mapped_column(Date())
    place: Mapped[str] = mapped_column(String(500))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(320))
