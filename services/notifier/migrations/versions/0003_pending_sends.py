"""Pending sends: what withdrawals select by (debtor, loan, episode, purpose) and holds.

Revision ID: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifier_deferrals") as batch:
        batch.add_column(sa.Column("debtor_id", sa.String(128)))
        batch.add_column(sa.Column("loan_id", sa.String(128)))
        batch.add_column(sa.Column("episode", sa.Integer))
        batch.add_column(sa.Column("purpose", sa.String(32)))
        batch.add_column(sa.Column("hold", sa.String(32)))
        batch.add_column(sa.Column("held_since", sa.DateTime(timezone=True)))
        batch.create_index("ix_notifier_deferrals_debtor_id", ["debtor_id"])


def downgrade() -> None:
    with op.batch_alter_table("notifier_deferrals") as batch:
        batch.drop_index("ix_notifier_deferrals_debtor_id")
        for column in ("held_since", "hold", "purpose", "episode", "loan_id", "debtor_id"):
            batch.drop_column(column)
