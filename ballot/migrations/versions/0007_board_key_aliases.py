"""protocol v2: the board key bound to each election, voter aliases, board entries by alias

Revision ID: 0007
Revises: 0011 (the head when this branch last merged main; the lead relinks the chain)
Create Date: 2026-12-10

``elections.board_key``: the board-signing public key put in the definition when the
election is created (NULL for elections defined before: their records stay v1).
``voters.alias``: the member's public alias, drawn when voting opens (unique per election).
``board_entries.alias``: the alias a ballot or link entry names, indexed so that the public
alias look-up reads a few rows.  Nullable columns and indexes: no table rebuild on SQLite.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("elections", sa.Column("board_key", sa.String(64), nullable=True))
    op.add_column("voters", sa.Column("alias", sa.String(16), nullable=True))
    op.create_index("ix_voters_election_alias", "voters", ["election_id", "alias"], unique=True)
    op.add_column("board_entries", sa.Column("alias", sa.String(16), nullable=True))
    op.create_index("ix_board_entries_election_alias", "board_entries", ["election_id", "alias"])


def downgrade() -> None:
    op.drop_index("ix_board_entries_election_alias", table_name="board_entries")
    with op.batch_alter_table("board_entries") as batch:
        batch.drop_column("alias")
    op.drop_index("ix_voters_election_alias", table_name="voters")
    with op.batch_alter_table("voters") as batch:
        batch.drop_column("alias")
    with op.batch_alter_table("elections") as batch:
        batch.drop_column("board_key")
