"""questions.ranked, method, seats, unit, candidate_order: a question may be a race

Revision ID: 0020
Revises: 0019
Create Date: 2027-01-14

An officer election's questions are races (PROTOCOL 5.1): ranked (counted by its method
for its seats after the mix-net) or chosen, of every member or of one unit of the roll,
its candidates shown in a fixed, alphabetical or rotated order.  The draft keeps them
with the question, and the manifest frozen for the key ceremony writes them into the
definition.  Every existing question is a choose race of every member, in fixed order.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.add_column(
            sa.Column("ranked", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("method", sa.String(20), nullable=True))
        batch.add_column(sa.Column("seats", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("unit", sa.String(100), nullable=True))
        batch.add_column(sa.Column("candidate_order", sa.String(20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        for column in ("candidate_order", "unit", "seats", "method", "ranked"):
            batch.drop_column(column)
