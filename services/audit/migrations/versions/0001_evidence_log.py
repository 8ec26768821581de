"""The evidence log: leaves, tree nodes, checkpoints, data keys, verification codes; append-only.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = ("audit_leaves", "audit_tree_nodes", "audit_checkpoints", "audit_verification_codes")


def upgrade() -> None:
    _tree_tables()
    _key_and_code_tables()
    if op.get_bind().dialect.name == "postgresql":
        _postgres_append_only()
    else:
        _sqlite_append_only()


def _tree_tables() -> None:
    op.create_table(
        "audit_leaves",
        sa.Column("leaf_index", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.String(128), nullable=False, unique=True),
        sa.Column("kind", sa.String(128), nullable=False),
        sa.Column("debtor_id", sa.String(128), index=True),
        sa.Column("loan_id", sa.String(128), index=True),
        sa.Column("leaf_data", sa.LargeBinary, nullable=False),
        sa.Column("ciphertext", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "audit_tree_nodes",
        sa.Column("level", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("node_index", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("tree_size", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timestamp_token", sa.LargeBinary),
    )


def _key_and_code_tables() -> None:
    op.create_table(
        "audit_data_keys",
        sa.Column("key_ref", sa.String(160), primary_key=True),
        sa.Column("wrapped_key", sa.LargeBinary),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "audit_verification_codes",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("leaf_index", sa.BigInteger, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("account_masked", sa.String(16)),
    )


def _sqlite_append_only() -> None:
    for table in APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def _postgres_append_only() -> None:
    op.execute(
        "CREATE FUNCTION dunwell_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
    )
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION dunwell_audit_append_only()"
        )
        # TRUNCATE does not fire row-level DELETE triggers.
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION dunwell_audit_append_only()"
        )
    # The role the audit service runs as in production: it may add rows, never change them.
    op.execute(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dunwell_audit_writer') "
        "THEN CREATE ROLE dunwell_audit_writer NOLOGIN; END IF; END $$"
    )
    op.execute(f"GRANT SELECT, INSERT ON {', '.join(APPEND_ONLY)} TO dunwell_audit_writer")
    op.execute("GRANT SELECT, INSERT, UPDATE ON audit_data_keys TO dunwell_audit_writer")


def downgrade() -> None:
    raise RuntimeError("the evidence log is never migrated down")
