"""questions.race: a question's race keys (ranked, method, seats, unit, order)

Revision ID: 0022
Revises: 0019
Create Date: 2026-12-07

Officer elections (issue 15) have races: ranked or not, several seats, per-unit races and
a candidate order.  The keys are kept as the committee gave them, a JSON object, and go
into the definition only when present, so every earlier definition keeps its hash.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("questions", sa.Column("race", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.drop_column("race")
