"""casting path: cast ballots, challenged pool, used alphas, audit counts

Revision ID: 0002_casting
Revises: 0001_initial
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ballot.store.types

revision = "0002_casting"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ballot_alphas",
        sa.Column("election_id", sa.String(length=32), nullable=False),
        sa.Column("alpha", sa.String(length=64), nullable=False),
        sa.Column("use", sa.String(length=10), nullable=False),
        sa.CheckConstraint(
            "use IN ('cast', 'challenged', 'audited')", name=op.f("ck_ballot_alphas_use")
        ),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["elections.id"],
            name=op.f("fk_ballot_alphas_election_id_elections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("election_id", "alpha", name=op.f("pk_ballot_alphas")),
    )
    op.create_table(
        "cast_ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.String(length=32), nullable=False),
        sa.Column("tracker", sa.String(length=64), nullable=False),
        sa.Column("board_seq", sa.Integer(), nullable=False),
        sa.Column("ballot", sa.Text(), nullable=False),
        sa.Column("cast_at", ballot.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["elections.id"],
            name=op.f("fk_cast_ballots_election_id_elections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cast_ballots")),
        sa.UniqueConstraint("election_id", "tracker", name="uq_cast_ballots_election_tracker"),
    )
    op.create_table(
        "challenged_ballots",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("election_id", sa.String(length=32), nullable=False),
        sa.Column("voter_id", sa.Integer(), nullable=False),
        sa.Column("tracker", sa.String(length=64), nullable=False),
        sa.Column("board_seq", sa.Integer(), nullable=False),
        sa.Column("ballot", sa.Text(), nullable=False),
        sa.Column("cast_at", ballot.store.types.UTCDateTime(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.CheckConstraint(
            "decision IS NULL OR decision IN ('sustained', 'overruled')",
            name=op.f("ck_challenged_ballots_decision"),
        ),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["elections.id"],
            name=op.f("fk_challenged_ballots_election_id_elections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["voter_id"],
            ["voters.id"],
            name=op.f("fk_challenged_ballots_voter_id_voters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenged_ballots")),
        sa.UniqueConstraint("election_id", "voter_id", name="uq_challenged_ballots_election_voter"),
    )
    op.create_table(
        "token_audits",
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("audits", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["voter_tokens.id"],
            name=op.f("fk_token_audits_token_id_voter_tokens"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_token_audits")),
    )


def downgrade() -> None:
    op.drop_table("token_audits")
    op.drop_table("challenged_ballots")
    op.drop_table("cast_ballots")
    op.drop_table("ballot_alphas")
