"""elections.polling_place and elections.paper_ballots: the ways to vote the notice offers

Revision ID: 0019
Revises: 0015
Create Date: 2026-12-06

Voting in person and on paper exist for every election (the polling-place device, the
envelopes); whether this election offers them, and where and when the polling place is,
is the committee's word, printed on the notice of election.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("elections", sa.Column("polling_place", sa.Text(), nullable=True))
    op.add_column(
        "elections",
        sa.Column("paper_ballots", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("elections") as batch:
        batch.drop_column("paper_ballots")
        batch.drop_column("polling_place")
