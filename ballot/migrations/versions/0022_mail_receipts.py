"""outbox.envelope_ref and outbox.receipt_detail: bounces and delivery reports for e-mail

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-14

Each e-mail gets an opaque reference (``envelope_ref``, unique; NULL for text messages
and for mail queued before this revision), which its bounce address and Message-ID
carry, so a bounce or a provider's event finds the message it is about.
``receipt_detail`` keeps the status code such a report gave (``5.1.1``; a delay's
``4.2.2``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("envelope_ref", sa.String(length=16), nullable=True))
    op.add_column("outbox", sa.Column("receipt_detail", sa.String(length=16), nullable=True))
    op.create_index("ix_outbox_envelope_ref", "outbox", ["envelope_ref"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_outbox_envelope_ref", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("receipt_detail")
        batch.drop_column("envelope_ref")
