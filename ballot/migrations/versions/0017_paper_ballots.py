"""paper ballots and the polling place: each credential's channel, hand counts awaiting a second entry

Revision ID: 0017
Revises: 0013 (the head when this branch last merged main; the lead relinks the chain)
Create Date: 2026-12-14

``voter_tokens.channel``: ``online`` (a link sent to the member) or ``in_person`` (minted
at a polling-place check-in), so the roll says by which channel a member voted.
``hand_count_entries``: the first committee member's entry of a pool's paper hand count,
until a second member's entry agrees (the count is posted on the board) or disagrees.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ballot.store.types import UTCDateTime

revision = "0017"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "voter_tokens",
        sa.Column("channel", sa.String(10), nullable=False, server_default="online"),
    )
    op.create_table(
        "hand_count_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "election_id",
            sa.String(32),
            sa.ForeignKey("elections.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("pool", sa.String(100), nullable=False),
        sa.Column(
            "account_id",
            sa.Integer(),
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("entered_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("election_id", "pool", name="uq_hand_count_entries_pool"),
    )


def downgrade() -> None:
    op.drop_table("hand_count_entries")
    with op.batch_alter_table("voter_tokens") as batch:
        batch.drop_column("channel")
