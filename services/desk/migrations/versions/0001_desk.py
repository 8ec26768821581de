"""The desk's cases, tasks, contacts and promises.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "desk_cases",
        sa.Column("loan_id", sa.String(128), primary_key=True),
        sa.Column("debtor_id", sa.String(128), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_table(
        "desk_tasks",
        sa.Column("task_id", sa.String(128), primary_key=True),
        sa.Column("loan_id", sa.String(128), nullable=False, index=True),
        sa.Column("team", sa.String(40), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("desk_tasks_queue", "desk_tasks", ["team", "status", "due_at"])
    op.create_table(
        "desk_contacts",
        sa.Column("event_id", sa.String(128), primary_key=True),
        sa.Column("debtor_id", sa.String(128), nullable=False),
        sa.Column("loan_id", sa.String(128)),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("desk_contacts_case", "desk_contacts", ["debtor_id", "at"])
    op.create_table(
        "desk_promises",
        sa.Column("loan_id", sa.String(128), primary_key=True),
        sa.Column("promised_by", sa.Date, primary_key=True),
        sa.Column("body", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("desk_promises", "desk_contacts", "desk_tasks", "desk_cases"):
        op.drop_table(table)
