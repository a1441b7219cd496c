"""outbox.reply_to: the committee's reply address on each queued message

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-08

Election mail carries a Reply-To header with the committee's reply address (definition
key ``committee.reply_to``), so a member who answers an invitation reaches the
committee, not the server's sending address.  The address is stored with each message
when it is queued, like its subject and body.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("reply_to", sa.String(320), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("reply_to")
