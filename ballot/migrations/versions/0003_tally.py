"""tally: objection period, tally and certification times on elections; board by kind

Revision ID: 0003
Revises: 0002_casting
Create Date: 2026-11-24

Officer elections need no new ``rule`` value: their column keeps the threshold rule
(``majority``, or ``supermajority`` with its fraction) and the manifest turns the
officer kind into ``plurality_with_runoff`` with that threshold.  Widening the CHECK
constraint would rebuild ``elections`` on SQLite, whose DROP TABLE under enforced
foreign keys would cascade into every child table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ballot.store.types

revision = "0003"
down_revision = "0002_casting"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "elections",
        sa.Column("objection_days", sa.Integer(), nullable=False, server_default="5"),
    )
    op.add_column(
        "elections", sa.Column("tallied_at", ballot.store.types.UTCDateTime(), nullable=True)
    )
    op.add_column(
        "elections", sa.Column("certified_at", ballot.store.types.UTCDateTime(), nullable=True)
    )
    op.create_index(
        "ix_board_entries_election_kind", "board_entries", ["election_id", "kind"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_board_entries_election_kind", table_name="board_entries")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a batch rebuild: rebuilding
    # ``elections`` under enforced foreign keys would cascade into its child tables.
    op.drop_column("elections", "certified_at")
    op.drop_column("elections", "tallied_at")
    op.drop_column("elections", "objection_days")
