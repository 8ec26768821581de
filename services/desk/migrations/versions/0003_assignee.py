"""Who holds each task, for "my tasks"; filled in from the task bodies already stored.

Revision ID: 0003
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("desk_tasks", sa.Column("assignee", sa.String(128)))
    op.create_index("desk_tasks_assignee", "desk_tasks", ["assignee", "status", "due_at"])
    tasks = sa.table(
        "desk_tasks",
        sa.column("task_id", sa.String),
        sa.column("body", sa.Text),
        sa.column("assignee", sa.String),
    )
    connection = op.get_bind()
    for task_id, body in connection.execute(sa.select(tasks.c.task_id, tasks.c.body)):
        assignee = json.loads(body).get("assignee")
        if assignee:
            connection.execute(
                sa.update(tasks).where(tasks.c.task_id == task_id).values(assignee=assignee)
            )


def downgrade() -> None:
    op.drop_index("desk_tasks_assignee", "desk_tasks")
    op.drop_column("desk_tasks", "assignee")
