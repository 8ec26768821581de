"""The compliance reports read contacts and agents' actions by time over every case: an index
on each table's time, so a day's report does not scan the whole history.

Revision ID: 0008
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("desk_contacts_at", "desk_contacts", ["at"])
    op.create_index("desk_actions_at", "desk_actions", ["at"])


def downgrade() -> None:
    op.drop_index("desk_actions_at", "desk_actions")
    op.drop_index("desk_contacts_at", "desk_contacts")
