"""elections.revoting: whether a member may cast again until voting closes

Revision ID: 0018
Revises: 0013
Create Date: 2027-01-12

Revoting is a per-election setting of protocol v2 (PROTOCOL 11.10), off by default: with
it on, a member's link stays usable until voting closes and the last ballot of the
member's alias counts.  The setting is part of the definition (the manifest hash binds
it); the column is what the cast path reads with the link, in the same query.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "elections",
        sa.Column("revoting", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("elections") as batch:
        batch.drop_column("revoting")
