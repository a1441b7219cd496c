"""subtotals per unit: the minimum pool size, NULL when the election asks for none

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24

One nullable column on ``elections``: ADD COLUMN works on SQLite without a table rebuild.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("elections", sa.Column("subtotal_min_size", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("elections") as batch:
        batch.drop_column("subtotal_min_size")
