"""Human review queues: one item per send that asks a person (escalated, uncertain, blocked).

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
        "desk_reviews",
        sa.Column("item_id", sa.String(128), primary_key=True),
        sa.Column("queue", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("desk_reviews_queue", "desk_reviews", ["queue", "state", "opened_at"])


def downgrade() -> None:
    op.drop_index("desk_reviews_queue", "desk_reviews")
    op.drop_table("desk_reviews")
