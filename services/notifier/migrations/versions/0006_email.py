"""Email at the reply address: contact points that bounced for good, and mail kept for a person.

Revision ID: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifier_bounced_points",
        sa.Column("debtor_id", sa.String(128), primary_key=True),
        sa.Column("point_id", sa.String(64), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "notifier_kept_mail",
        sa.Column("mail_key", sa.String(128), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("sender_point", sa.String(64)),
        sa.Column("raw", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notifier_kept_mail")
    op.drop_table("notifier_bounced_points")
