"""Uncertain sends kept for reconciliation: whom to ask, when next, how often asked already.

Revision ID: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifier_uncertain_sends",
        sa.Column("send_key", sa.String(300), primary_key=True),
        sa.Column("debtor_id", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(32)),
        sa.Column("request", sa.LargeBinary, nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("checks", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notifier_uncertain_sends")
