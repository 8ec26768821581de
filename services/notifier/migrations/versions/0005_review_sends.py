"""Sends that ask a person, kept for the decision taken on them in the desk's review queues.

Revision ID: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifier_review_sends",
        sa.Column("send_key", sa.String(300), primary_key=True),
        sa.Column("debtor_id", sa.String(128), nullable=False, index=True),
        sa.Column("loan_id", sa.String(128), nullable=False),
        sa.Column("episode", sa.Integer, nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("request", sa.LargeBinary, nullable=False),
        sa.Column("kept_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn", sa.String(300)),
    )


def downgrade() -> None:
    op.drop_table("notifier_review_sends")
