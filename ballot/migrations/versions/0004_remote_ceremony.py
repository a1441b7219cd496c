"""remote key ceremony: each trustee's accepted round messages

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24

A new table only (no change to ``elections``), so SQLite needs no table rebuild.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ballot.store.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ceremony_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.String(length=32), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("round", sa.String(length=20), nullable=False),
        sa.Column("trustee", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("posted_at", ballot.store.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "round IN ('receiving_key', 'dealing', 'complaints', 'resolutions', 'failure')",
            name=op.f("ck_ceremony_messages_round"),
        ),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["elections.id"],
            name=op.f("fk_ceremony_messages_election_id_elections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ceremony_messages")),
        sa.UniqueConstraint(
            "election_id", "epoch", "round", "trustee", name="uq_ceremony_messages_one_per_round"
        ),
    )


def downgrade() -> None:
    op.drop_table("ceremony_messages")
