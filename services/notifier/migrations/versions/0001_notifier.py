"""The notifier's ledger, directory, contact log, opt-outs, deferrals and gate locks.

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
    _sends()
    _gate()


def _sends() -> None:
    """The ledger and the directory."""
    op.create_table(
        "notifier_send_ledger",
        sa.Column("send_key", sa.String(300), primary_key=True),
        sa.Column("debtor_id", sa.String(128), nullable=False, index=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(32)),
        sa.Column("provider_message_id", sa.String(256)),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "notifier_directory",
        sa.Column("debtor_id", sa.String(128), primary_key=True),
        sa.Column("entry", sa.Text, nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
    )


def _gate() -> None:
    """What the gate counts, keeps and locks."""
    op.create_table(
        "notifier_contact_log",
        sa.Column("contact_key", sa.String(300), primary_key=True),
        sa.Column("debtor_id", sa.String(128), nullable=False, index=True),
        sa.Column("debt_id", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("sender", sa.String(64), nullable=False),
        sa.Column("contact_point", sa.String(64)),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("reserved", sa.Boolean, nullable=False),
    )
    op.create_table(
        "notifier_opt_outs",
        sa.Column("debtor_id", sa.String(128), primary_key=True),
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "notifier_deferrals",
        sa.Column("send_key", sa.String(300), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("request", sa.LargeBinary, nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "notifier_gate_locks",
        sa.Column("debtor_id", sa.String(128), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "notifier_gate_locks",
        "notifier_deferrals",
        "notifier_opt_outs",
        "notifier_contact_log",
        "notifier_directory",
        "notifier_send_ledger",
    ):
        op.drop_table(table)
