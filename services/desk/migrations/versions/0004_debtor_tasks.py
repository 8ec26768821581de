"""A task may name no loan: a debtor's reply where no loan of theirs is known yet.

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
    with op.batch_alter_table("desk_tasks") as batch:
        batch.alter_column("loan_id", existing_type=sa.String(128), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM desk_tasks WHERE loan_id IS NULL")
    with op.batch_alter_table("desk_tasks") as batch:
        batch.alter_column("loan_id", existing_type=sa.String(128), nullable=False)
