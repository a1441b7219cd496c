"""Tables of witnessed heads: the witnesses a draft names, and the cosignatures they send.

* ``election_witnesses`` — the witnesses of an election's definition, in the committee's
  order (``position``); written with the rest of the definition while it is a draft and
  frozen into the manifest (``"witnesses"``) when the key ceremony starts.
* ``board_cosignatures`` — every cosignature the server accepted: by a witness the
  definition in force names, on a head the server signed, with a signature that
  verifies.  Published as they are; the record carries them (``cosignatures.json``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ballot.store.base import Base
from ballot.store.types import UTCDateTime


class ElectionWitness(Base):
    """A witness named in a (draft) election's definition."""

    __tablename__ = "election_witnesses"
    __table_args__ = (
        UniqueConstraint("election_id", "position", name="uq_election_witnesses_position"),
        UniqueConstraint("election_id", "public_key", name="uq_election_witnesses_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    public_key: Mapped[str] = mapped_column(String(64))


class CosignatureRow(Base):
    """One accepted cosignature of a signed head (the fields of ``ballot.record.cosign``)."""

    __tablename__ = "board_cosignatures"
    __table_args__ = (
        UniqueConstraint(
            "election_id", "witness", "signed_head", name="uq_board_cosignatures_head"
        ),
        Index("ix_board_cosignatures_election_seq", "election_id", "seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    witness: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(String(64))
    signed_head: Mapped[str] = mapped_column(String(64))
    at: Mapped[str] = mapped_column(String(40))
    signature: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
