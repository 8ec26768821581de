"""Record when each leaf was appended in a column too, so retention can find expired debtors.

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
    # No index: only the daily retention sweep reads it, and an index would slow every append.
    op.add_column("audit_leaves", sa.Column("recorded_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    raise RuntimeError("the evidence log is never migrated down")
