"""sign-in hardening: throttle rows reserved before a password is checked; one-time codes

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

``login_throttle`` holds one counter per (account, address) pair, per address and per
account (see ballot.store.throttle); ``accounts.totp_last_step`` the last accepted
two-factor time step.  The old ``login_failures`` rows are no longer read.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ballot.store.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("window_start", UTCDateTime(), nullable=False),
        sa.Column("strikes", sa.Integer(), nullable=False),
    )
    op.add_column("accounts", sa.Column("totp_last_step", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("totp_last_step")
    op.drop_table("login_throttle")
