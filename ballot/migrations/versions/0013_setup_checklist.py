"""the set-up checklist: trustees' rehearsals, test messages, the posted notice

Revision ID: 0013
Revises: 0007
Create Date: 2026-12-14

Three new tables (see ballot.store.setup_tables); nothing existing changes.  The lead
relinks ``down_revision`` when the migrations of the same release are merged.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ballot.store.types import UTCDateTime

revision = "0013"
down_revision = "0007"
branch_labels = None
depends_on = None


def _election_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["election_id"],
        ["elections.id"],
        name=op.f(f"fk_{table}_election_id_elections"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "trustee_rehearsals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("joint_public_key", sa.String(length=128), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("proved_at", UTCDateTime(), nullable=True),
        _election_fk("trustee_rehearsals"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trustee_rehearsals")),
        sa.UniqueConstraint("nonce", name=op.f("uq_trustee_rehearsals_nonce")),
    )
    op.create_index(
        "ix_trustee_rehearsals_election_position",
        "trustee_rehearsals",
        ["election_id", "position"],
    )
    op.create_table(
        "setup_test_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.String(length=32), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("queued_at", UTCDateTime(), nullable=False),
        sa.Column("confirmed_at", UTCDateTime(), nullable=True),
        sa.Column("confirmed_by", sa.String(length=320), nullable=True),
        _election_fk("setup_test_messages"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_setup_test_messages")),
    )
    op.create_index("ix_setup_test_messages_election_id", "setup_test_messages", ["election_id"])
    op.create_table(
        "election_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.String(length=32), nullable=False),
        sa.Column("posted_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=500), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=320), nullable=False),
        _election_fk("election_notices"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_election_notices")),
    )
    op.create_index("ix_election_notices_election_id", "election_notices", ["election_id"])


def downgrade() -> None:
    op.drop_index("ix_election_notices_election_id", table_name="election_notices")
    op.drop_table("election_notices")
    op.drop_index("ix_setup_test_messages_election_id", table_name="setup_test_messages")
    op.drop_table("setup_test_messages")
    op.drop_index("ix_trustee_rehearsals_election_position", table_name="trustee_rehearsals")
    op.drop_table("trustee_rehearsals")
