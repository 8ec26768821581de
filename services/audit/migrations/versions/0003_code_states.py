"""What became of a code registered before its message was confirmed: possibly sent, then sent
or not sent, one append-only row per change (the latest by leaf wins).

Revision ID: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLE = "audit_code_states"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("leaf_index", sa.BigInteger, primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("account_masked", sa.String(16)),
    )
    if op.get_bind().dialect.name == "postgresql":
        for trigger, when, each in (
            ("no_change", "UPDATE OR DELETE", "ROW"),
            ("no_truncate", "TRUNCATE", "STATEMENT"),
        ):
            op.execute(
                f"CREATE TRIGGER {TABLE}_{trigger} BEFORE {when} ON {TABLE} "
                f"FOR EACH {each} EXECUTE FUNCTION dunwell_audit_append_only()"
            )
        op.execute(f"GRANT SELECT, INSERT ON {TABLE} TO dunwell_audit_writer")
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_{action.lower()} BEFORE {action} ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only'); END"
        )


def downgrade() -> None:
    raise RuntimeError("the evidence log is never migrated down")
