"""The pre-call gate: calls asked, reserved and reported; contact points found unusable.

Revision ID: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifier_calls",
        sa.Column("call_id", sa.String(64), primary_key=True),
        sa.Column("debtor_id", sa.String(128), nullable=False, index=True),
        sa.Column("ask", sa.Text, nullable=False),
        sa.Column("ask_sha256", sa.String(64), nullable=False),
        sa.Column("point_id", sa.String(64), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), index=True),
        sa.Column("report", sa.Text),
        sa.Column("report_sha256", sa.String(64)),
    )
    op.create_table(
        "notifier_unusable_points",
        sa.Column("debtor_id", sa.String(128), primary_key=True),
        sa.Column("point_id", sa.String(64), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notifier_unusable_points")
    op.drop_table("notifier_calls")
