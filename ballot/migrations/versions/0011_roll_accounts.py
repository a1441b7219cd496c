"""the roll and accounts in the browser: observer kinds, temporary passwords, roll drafts

Revision ID: 0011
Revises: 0008
Create Date: 2027-01-10

* ``election_observers``: which observer accounts follow which election, and whether they
  may see who has voted (names) or counts only (the employer's observer).
* ``accounts.must_change_password``: an admin-made temporary password works for one
  sign-in, after which the holder must choose their own.
* ``roll_drafts``: an uploaded roll file with bad rows, kept until the committee corrects
  the rows in the browser and submits it again (nothing of it is on the roll meanwhile).
* ``ix_voters_election_name``: the roll page sorts 260,000 members by name, one page at a time.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ballot.store.types import UTCDateTime

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "election_observers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "election_id",
            sa.String(32),
            sa.ForeignKey("elections.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "account_id",
            sa.Integer(),
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("sees_names", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("election_id", "account_id", name="uq_election_observers_pair"),
    )
    op.create_index("ix_election_observers_account_id", "election_observers", ["account_id"])
    op.create_table(
        "roll_drafts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "election_id",
            sa.String(32),
            sa.ForeignKey("elections.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_roll_drafts_election_id", "roll_drafts", ["election_id"])
    op.add_column(
        "accounts",
        sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_voters_election_name", "voters", ["election_id", "name"])


def downgrade() -> None:
    op.drop_index("ix_voters_election_name", table_name="voters")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("must_change_password")
    op.drop_index("ix_roll_drafts_election_id", table_name="roll_drafts")
    op.drop_table("roll_drafts")
    op.drop_index("ix_election_observers_account_id", table_name="election_observers")
    op.drop_table("election_observers")
