"""Tables of ballot's database (every one on ``ballot.store.base.Base``).

Names follow the election domain: an election has questions with options, texts in
several languages, a roll of voters, one-time voter tokens, trustees, a public
bulletin board, and sits in the global activity log of who did what.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

# The casting path's tables (cast ballots, challenged pool, used alphas, audit counts).
from ballot.store import cast_tables as _cast_tables  # noqa: F401
from ballot.store import ceremony_tables as _ceremony_tables  # noqa: F401

# The mail layer's outbox table must be in the same metadata for migrations.
from ballot.store import outbox as _outbox  # noqa: F401
from ballot.store import paper_tables as _paper_tables  # noqa: F401
from ballot.store import roll_desk_tables as _roll_desk_tables  # noqa: F401

# The set-up checklist: rehearsals, test messages, the posted notice.
from ballot.store import setup_tables as _setup_tables  # noqa: F401
from ballot.store import signoffs as _signoffs  # noqa: F401
from ballot.store import throttle as _throttle  # noqa: F401

# Witnessed heads: the witnesses a definition names, the cosignatures they send.
from ballot.store import witness_tables as _witness_tables  # noqa: F401
from ballot.store.base import Base
from ballot.store.types import UTCDateTime


class Account(Base):
    """A committee member: admin (runs elections), observer (read-only) or trustee."""

    __tablename__ = "accounts"
    __table_args__ = (CheckConstraint("role IN ('admin', 'observer', 'trustee')", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    totp_pending: Mapped[str | None] = mapped_column(String(64), default=None)
    #: The last 30-second step whose code was accepted: a code is good only once.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, default=None)
    #: An admin-made temporary password: good for signing in once, then the holder must
    #: choose their own before doing anything else.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WebSession(Base):
    """A signed-in browser; the cookie holds a random id, the table only its SHA-256."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LoginFailure(Base):
    """One failed sign-in, kept for throttling by account and by address."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Election(Base):
    __tablename__ = "elections"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('recognition', 'ratification', 'strike_authorisation', 'officer', 'custom')",
            name="kind",
        ),
        CheckConstraint(
            "state IN ('draft', 'key_ceremony', 'ready', 'open', 'closed', 'mixing', "
            "'decrypting_mixed', 'tallied', 'certified')",
            name="state",
        ),
        CheckConstraint("trustees_k >= 1 AND trustees_k <= trustees_n", name="trustees"),
        CheckConstraint("rule IN ('majority', 'supermajority')", name="rule"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    rule: Mapped[str] = mapped_column(String(20), default="majority")
    supermajority: Mapped[str | None] = mapped_column(String(20), default=None)
    quorum: Mapped[str | None] = mapped_column(String(20), default=None)
    allow_blank: Mapped[bool] = mapped_column(Boolean, default=False)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    trustees_n: Mapped[int] = mapped_column(Integer, default=3)
    trustees_k: Mapped[int] = mapped_column(Integer, default=2)
    manifest: Mapped[str | None] = mapped_column(Text, default=None)
    manifest_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    ceremony: Mapped[str | None] = mapped_column(Text, default=None)
    joint_public_key: Mapped[str | None] = mapped_column(String(128), default=None)
    eligible_count: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: Days between the final result and certification, for objections (0: demos, tests).
    objection_days: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    #: When the final result went on the board (the objection period runs from here).
    tallied_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    certified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: Subtotals per unit: the minimum pool size (PROTOCOL 10.5); None asks for none.
    subtotal_min_size: Mapped[int | None] = mapped_column(Integer, default=None)
    #: IANA zone the committee enters and members read times in (stored times are UTC).
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    #: The committee's contact as JSON {"email", "phone", "reply_to"}; its name is a text
    #: (key ``committee``) in every language, like the title.  NULL: none was given.
    committee_contact: Mapped[str | None] = mapped_column(Text, default=None)
    #: The board-signing public key (64 hex) bound in the definition (PROTOCOL 5.1); None
    #: for elections defined before protocol v2, whose records stay v1.
    board_key: Mapped[str | None] = mapped_column(String(64), default=None)
    #: A member may cast again until voting closes, the last ballot counting (PROTOCOL
    #: 11.10); bound in the definition (protocol v2 only), so fixed from the key ceremony.
    revoting: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Ways to vote the notice offers beyond links (the committee's word, not bound in the
    #: definition): where and when the polling place is ("" or None: none), and paper.
    polling_place: Mapped[str | None] = mapped_column(Text, default=None)
    paper_ballots: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("election_id", "position", name="uq_questions_election_position"),
        CheckConstraint(
            "min_selections >= 0 AND max_selections >= 1 AND min_selections <= max_selections",
            name="selections",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    min_selections: Mapped[int] = mapped_column(Integer, default=1)
    max_selections: Mapped[int] = mapped_column(Integer, default=1)
    #: A race (PROTOCOL 5.1): ranked, with its method and seats; of one unit of the roll;
    #: its candidates in a fixed (None), alphabetical or rotated order.
    ranked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    method: Mapped[str | None] = mapped_column(String(20), default=None)
    seats: Mapped[int | None] = mapped_column(Integer, default=None)
    unit: Mapped[str | None] = mapped_column(String(100), default=None)
    candidate_order: Mapped[str | None] = mapped_column(String(20), default=None)


class Option(Base):
    __tablename__ = "options"
    __table_args__ = (
        UniqueConstraint("question_id", "position", name="uq_options_question_position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)


class Translation(Base):
    """One text of an election in one language.

    Keys: ``title``, ``instructions``, ``question:<id>``, ``option:<id>``.
    """

    __tablename__ = "translations"
    __table_args__ = (
        UniqueConstraint(
            "election_id", "language", "key", name="uq_translations_election_language_key"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)


class ElectionTrustee(Base):
    """A trustee's seat in one election, and the public data they posted for the ceremony."""

    __tablename__ = "election_trustees"
    __table_args__ = (
        UniqueConstraint("election_id", "position", name="uq_election_trustees_election_position"),
        UniqueConstraint("election_id", "account_id", name="uq_election_trustees_election_account"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    public_data: Mapped[str | None] = mapped_column(Text, default=None)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class Voter(Base):
    """A member on an election's roll. Who voted is recorded here; how never is.

    A member is reached by e-mail, by text message (``phone``, E.164), or either: at
    least one of the two is on the row, and ``channel`` says which invitations use.
    """

    __tablename__ = "voters"
    __table_args__ = (
        CheckConstraint("channel IN ('email', 'sms')", name="channel"),
        CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="contact"),
        UniqueConstraint("election_id", "member_id", name="uq_voters_election_member"),
        UniqueConstraint("election_id", "email", name="uq_voters_election_email"),
        Index("ix_voters_election_unit", "election_id", "unit"),
        Index("ix_voters_election_name", "election_id", "name"),
        Index("ix_voters_election_alias", "election_id", "alias", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    member_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    #: None for a member reached only by text message.
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    language: Mapped[str] = mapped_column(String(8))
    unit: Mapped[str] = mapped_column(String(100), default="")
    challenged: Mapped[bool] = mapped_column(Boolean, default=False)
    voted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    voted_channel: Mapped[str | None] = mapped_column(String(10), default=None)
    #: The member's public alias on the board (PROTOCOL 11.8), drawn when the member is put
    #: on the roll of a protocol-v2 election (at the latest when voting opens); linkable to
    #: the member only through their invitation, and here.
    alias: Mapped[str | None] = mapped_column(String(16), default=None)
    #: The member's mobile number in E.164 form ("+14155552671"); None: no phone.
    phone: Mapped[str | None] = mapped_column(String(16), default=None)
    #: How invitations and reminders go: "email" or "sms" (one the member has).
    channel: Mapped[str] = mapped_column(String(8), default="email", server_default="email")


class VoterToken(Base):
    """A one-time voting credential; only its SHA-256 is stored (unique, so look-up is by hash)."""

    __tablename__ = "voter_tokens"
    __table_args__ = (
        CheckConstraint(
            "status IN ('active', 'used', 'revoked', 'replaced', 'expired')", name="status"
        ),
        Index("ix_voter_tokens_voter_status", "voter_id", "status"),
        Index("ix_voter_tokens_election_status", "election_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    voter_id: Mapped[int] = mapped_column(ForeignKey("voters.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="active")
    #: Where the credential is used: ``online`` (a link sent to the member) or
    #: ``in_person`` (minted at a polling-place check-in, used on the committee's device).
    channel: Mapped[str] = mapped_column(String(10), default="online", server_default="online")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class BoardEntryRow(Base):
    """One entry of an election's public hash-chained bulletin board."""

    __tablename__ = "board_entries"
    __table_args__ = (
        UniqueConstraint("election_id", "seq", name="uq_board_entries_election_seq"),
        # The tally reads the board by kind (ballots, decisions, partials).
        Index("ix_board_entries_election_kind", "election_id", "kind"),
        # The public alias look-up reads an alias's ballot and link entries.
        Index("ix_board_entries_election_alias", "election_id", "alias"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(ForeignKey("elections.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(64))
    at: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    prev: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    #: The alias a ballot or link entry names (a copy of its payload's, for the look-up).
    alias: Mapped[str | None] = mapped_column(String(16), default=None)


class BoardHeadRow(Base):
    """A signed head of an election's board (see :mod:`ballot.record.signing`)."""

    __tablename__ = "board_heads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[str] = mapped_column(
        ForeignKey("elections.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(String(64))
    at: Mapped[str] = mapped_column(String(40))
    prev: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))
    hash: Mapped[str] = mapped_column(String(64))


class ActivityEntryRow(Base):
    """The committee's activity log: who did what (accounts, scheduler, CLI), hash-chained."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(64))
    election_id: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    detail: Mapped[str] = mapped_column(Text)
    prev: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
