"""Field visits: one row per proposed slot, its state (proposed, confirmed, undelivered,
cancelled, done) and the notice it waits on.

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
        "desk_visits",
        sa.Column("visit_id", sa.String(128), primary_key=True),
        sa.Column("loan_id", sa.String(128), nullable=False),
        sa.Column("notice_id", sa.String(128), nullable=False),
        sa.Column("episode", sa.Integer, nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("ix_desk_visits_loan_id", "desk_visits", ["loan_id"])
    op.create_index("desk_visits_notice", "desk_visits", ["notice_id"], unique=True)


def downgrade() -> None:
    op.drop_index("desk_visits_notice", "desk_visits")
    op.drop_index("ix_desk_visits_loan_id", "desk_visits")
    op.drop_table("desk_visits")
