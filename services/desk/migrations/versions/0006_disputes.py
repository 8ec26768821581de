"""The register of disputes and complaints, with the day the bank's answer is due.

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
        "desk_disputes",
        sa.Column("dispute_id", sa.String(128), primary_key=True),
        sa.Column("loan_id", sa.String(128), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("answer_due", sa.Date, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("desk_disputes_register", "desk_disputes", ["status", "answer_due"])


def downgrade() -> None:
    op.drop_index("desk_disputes_register", table_name="desk_disputes")
    op.drop_table("desk_disputes")
