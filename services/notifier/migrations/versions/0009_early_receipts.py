"""Receipts that overtook their sends, kept until the ledger knows the send they belong to.

Revision ID: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifier_early_receipts",
        sa.Column("callback_key", sa.String(300), primary_key=True),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("first_id", sa.String(256), nullable=False, index=True),
        sa.Column("second_id", sa.String(256), index=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("dedupe", sa.Text, nullable=False),
        sa.Column("failed", sa.Boolean, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("notifier_early_receipts")
