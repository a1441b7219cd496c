"""the election's time zone, the committee's contact, and translation sign-offs

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-06

``elections.time_zone`` (IANA name, 'UTC' for elections made before) and
``elections.committee_contact`` (JSON, NULL when none was given) are added columns, so
SQLite needs no table rebuild.  ``translation_signoffs`` holds who signed off which
language, when, and the digest of the texts they read (ballot.store.signoffs).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ballot.store.types import UTCDateTime

revision = "0010"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "elections",
        sa.Column("time_zone", sa.String(64), nullable=False, server_default="UTC"),
    )
    op.add_column("elections", sa.Column("committee_contact", sa.Text(), nullable=True))
    op.create_table(
        "translation_signoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.String(32), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("texts_digest", sa.String(64), nullable=False),
        sa.Column("signed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"],
            ["elections.id"],
            name="fk_translation_signoffs_election_id_elections",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_translation_signoffs_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_translation_signoffs"),
        sa.UniqueConstraint(
            "election_id", "language", "account_id", name="uq_translation_signoffs_member"
        ),
    )
    op.create_index("ix_translation_signoffs_election_id", "translation_signoffs", ["election_id"])


def downgrade() -> None:
    op.drop_index("ix_translation_signoffs_election_id", "translation_signoffs")
    op.drop_table("translation_signoffs")
    with op.batch_alter_table("elections") as batch:
        batch.drop_column("committee_contact")
        batch.drop_column("time_zone")
