"""witnessed heads: the witnesses a definition names, the cosignatures they send

Revision ID: 0008
Revises: 0012
Create Date: 2026-12-10

``election_witnesses`` holds a draft definition's witnesses (frozen into the manifest
with the rest); ``board_cosignatures`` every cosignature of a signed head the server
accepted (see ballot.store.witness_tables).  The lead relinks ``down_revision`` when
the migrations of the same release are merged.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ballot.store.types import UTCDateTime

revision = "0008"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "election_witnesses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["elections.id"],
            name=op.f("fk_election_witnesses_election_id_elections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_election_witnesses")),
        sa.UniqueConstraint("election_id", "position", name="uq_election_witnesses_position"),
        sa.UniqueConstraint("election_id", "public_key", name="uq_election_witnesses_key"),
    )
    op.create_table(
        "board_cosignatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.String(length=32), nullable=False),
        sa.Column("witness", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("head", sa.String(length=64), nullable=False),
        sa.Column("signed_head", sa.String(length=64), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["elections.id"],
            name=op.f("fk_board_cosignatures_election_id_elections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_board_cosignatures")),
        sa.UniqueConstraint(
            "election_id", "witness", "signed_head", name="uq_board_cosignatures_head"
        ),
    )
    op.create_index(
        "ix_board_cosignatures_election_seq", "board_cosignatures", ["election_id", "seq"]
    )


def downgrade() -> None:
    op.drop_index("ix_board_cosignatures_election_seq", table_name="board_cosignatures")
    op.drop_table("board_cosignatures")
    op.drop_table("election_witnesses")
