"""Disputes and complaints holding a debtor's debts until they are resolved.

Revision ID: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifier_debt_holds",
        sa.Column("dispute_id", sa.String(128), primary_key=True),
        sa.Column("debtor_id", sa.String(128), nullable=False, index=True),
        sa.Column("debt_id", sa.String(128), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    op.drop_table("notifier_debt_holds")
