"""Text messages: members with a phone, e-mail or both; SMS rows and receipts in the outbox

Revision ID: 0015
Revises: 0018 (the head when this branch last merged main; the lead relinks the chain)
Create Date: 2026-12-12

``voters.email`` becomes nullable (a member reached only by text message), with
``voters.phone`` (E.164), ``voters.channel`` (email or sms) and two checks: the channel is
one of those, and every member has an address or a phone.  ``outbox`` gains ``channel``,
``provider_ref`` (the gateway's message id), ``receipt`` and ``receipt_at`` (the
gateway's delivery receipt) and an index on (election_id, voter_ref) for the roll's
delivery column.

SQLite cannot drop a NOT NULL, so ``voters`` is rebuilt there by SQLite's own recipe
(create the new table, copy, drop the old, rename the new), with foreign keys switched off for
the while, rather than by Alembic's batch mode: with foreign keys on, dropping the old
table deletes every row that refers to a member (their tokens, ON DELETE CASCADE).  The
pragma does nothing inside a transaction, so an open one (Alembic's record of the step
before) is committed first; SQLite's DDL is not transactional in Alembic anyway.  The
references are checked (``foreign_key_check``) before foreign keys are switched back on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ballot.store.types

revision = "0015"
down_revision = "0017"
branch_labels = None
depends_on = None

_NEW = "_voters_0015"
_INDEXES = (
    ("ix_voters_election_unit", ["election_id", "unit"], False),
    ("ix_voters_election_name", ["election_id", "name"], False),
    ("ix_voters_election_alias", ["election_id", "alias"], True),
)
_OLD_COLUMNS = (
    "id, election_id, member_id, name, email, language, unit, challenged, voted_at, "
    "voted_channel, alias"
)


def _voters_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=False),
        sa.Column("challenged", sa.Boolean(), nullable=False),
        sa.Column("voted_at", ballot.store.types.UTCDateTime(), nullable=True),
        sa.Column("voted_channel", sa.String(length=10), nullable=True),
        sa.Column("alias", sa.String(length=16), nullable=True),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=False, server_default="email"),
        sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f("ck_voters_channel")),
        sa.CheckConstraint(
            "email IS NOT NULL OR phone IS NOT NULL", name=op.f("ck_voters_contact")
        ),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["elections.id"],
            name=op.f("fk_voters_election_id_elections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voters")),
        sa.UniqueConstraint("election_id", "email", name="uq_voters_election_email"),
        sa.UniqueConstraint("election_id", "member_id", name="uq_voters_election_member"),
    )


def _foreign_keys(on: bool) -> None:
    """Switch SQLite's foreign keys; committing first if a transaction holds the pragma."""
    bind = op.get_bind()
    want = "ON" if on else "OFF"
    bind.exec_driver_sql(f"PRAGMA foreign_keys = {want}")
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar() != int(on):
        bind.exec_driver_sql("COMMIT")
        bind.exec_driver_sql(f"PRAGMA foreign_keys = {want}")
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar() != int(on):
        raise RuntimeError(f"could not switch SQLite's foreign keys {want}")


def _rebuild_voters_on_sqlite() -> None:
    bind = op.get_bind()
    _foreign_keys(False)
    try:
        _voters_table(_NEW)
        # Constant names only, no input.
        op.execute(f"INSERT INTO {_NEW} ({_OLD_COLUMNS}) SELECT {_OLD_COLUMNS} FROM voters")  # noqa: S608
        op.drop_table("voters")  # its indexes go with it
        op.rename_table(_NEW, "voters")
        for name, columns, unique in _INDEXES:
            op.create_index(name, "voters", columns, unique=unique)
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"rebuilding voters broke references: {broken[:5]}")
        bind.exec_driver_sql("COMMIT")
    finally:
        _foreign_keys(True)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_voters_on_sqlite()
    else:
        op.alter_column("voters", "email", existing_type=sa.String(320), nullable=True)
        op.add_column("voters", sa.Column("phone", sa.String(16), nullable=True))
        op.add_column(
            "voters", sa.Column("channel", sa.String(8), nullable=False, server_default="email")
        )
        op.create_check_constraint(
            op.f("ck_voters_channel"), "voters", "channel IN ('email', 'sms')"
        )
        op.create_check_constraint(
            op.f("ck_voters_contact"), "voters", "email IS NOT NULL OR phone IS NOT NULL"
        )
    op.add_column(
        "outbox", sa.Column("channel", sa.String(8), nullable=False, server_default="email")
    )
    op.add_column("outbox", sa.Column("provider_ref", sa.String(64), nullable=True))
    op.add_column("outbox", sa.Column("receipt", sa.String(10), nullable=True))
    op.add_column(
        "outbox", sa.Column("receipt_at", ballot.store.types.UTCDateTime(), nullable=True)
    )
    op.create_index("ix_outbox_election_voter", "outbox", ["election_id", "voter_ref"])


def downgrade() -> None:
    op.drop_index("ix_outbox_election_voter", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        for column in ("receipt_at", "receipt", "provider_ref", "channel"):
            batch.drop_column(column)
    # Members without an address cannot go back to a roll that requires one: refuse
    # rather than delete them (and, by cascade, their links).
    if op.get_bind().scalar(sa.text("SELECT count(*) FROM voters WHERE email IS NULL")):
        raise RuntimeError("members without an e-mail address are on a roll: remove them first")
    if op.get_bind().dialect.name == "sqlite":
        return  # the extra columns and checks stay: dropping them would rebuild the table again
    op.drop_constraint(op.f("ck_voters_contact"), "voters", type_="check")
    op.drop_constraint(op.f("ck_voters_channel"), "voters", type_="check")
    op.drop_column("voters", "channel")
    op.drop_column("voters", "phone")
    op.alter_column("voters", "email", existing_type=sa.String(320), nullable=False)
