"""Callbacks: the loan on each send, lookups by provider id and by contact point, seen callbacks.

Revision ID: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifier_send_ledger") as batch:
        batch.add_column(sa.Column("loan_id", sa.String(128)))
        batch.create_index("ix_notifier_send_ledger_provider_message_id", ["provider_message_id"])
    op.create_table(
        "notifier_directory_points",
        sa.Column("point_id", sa.String(64), primary_key=True),
        sa.Column("debtor_id", sa.String(128), nullable=False),
    )
    op.create_table(
        "notifier_callbacks_seen",
        sa.Column("callback_key", sa.String(300), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notifier_callbacks_seen")
    op.drop_table("notifier_directory_points")
    with op.batch_alter_table("notifier_send_ledger") as batch:
        batch.drop_index("ix_notifier_send_ledger_provider_message_id")
        batch.drop_column("loan_id")
