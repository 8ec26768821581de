"""The database itself refuses to change the evidence log (SQLite triggers; PostgreSQL triggers
and an INSERT-only role)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.audit.adapters.sql import SqlAuditStore
from services.audit.domain.rows import AppendBatch, CodeRow, LeafRow
from shared.database import create_engine


@pytest.fixture(params=["sqlite", "postgres"])
async def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    async_url = (
        f"sqlite+aiosqlite:///{tmp_path}/audit.db"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_database")
    )
    engine = create_engine(async_url)
    store = SqlAuditStore(engine)
    await store.migrate()
    maybe = CodeRow("PSBL2345", 0, datetime(2026, 3, 4, tzinfo=UTC), "sms", None, "possibly_sent")
    await store.append(
        AppendBatch([LeafRow(0, "e0", "k", "d", "l", b"leaf", b"ct")], {(0, 0): bytes(32)}, [maybe])
    )
    await engine.dispose()
    return async_url.replace("+aiosqlite", "")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_leaves SET leaf_data = X'00'",
        "DELETE FROM audit_leaves",
        "UPDATE audit_tree_nodes SET hash = X'00'",
        "DELETE FROM audit_tree_nodes",
        "UPDATE audit_code_states SET status = 'sent'",
        "DELETE FROM audit_code_states",
    ],
)
def test_rows_cannot_be_changed_or_deleted(url: str, statement: str) -> None:
    if url.startswith("postgresql"):
        statement = statement.replace("X'00'", "'\\x00'::bytea")
    engine = sqlalchemy.create_engine(url)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    engine.dispose()


async def test_postgres_refuses_truncate_and_the_writer_role_may_only_insert(
    postgres_database: str,
) -> None:
    engine = create_engine(postgres_database)
    await SqlAuditStore(engine).migrate()
    await engine.dispose()
    sync = sqlalchemy.create_engine(postgres_database)
    for table in ("audit_leaves", "audit_code_states"):
        with pytest.raises(DBAPIError, match="append-only"), sync.begin() as conn:
            conn.execute(text(f"TRUNCATE {table}"))
    with sync.begin() as conn:
        conn.execute(text("SET ROLE dunwell_audit_writer"))
        conn.execute(text("INSERT INTO audit_tree_nodes VALUES (0, 1, '\\x00'::bytea)"))
    for statement in (
        "UPDATE audit_tree_nodes SET hash = '\\x01'::bytea",
        "ALTER TABLE audit_leaves DISABLE TRIGGER ALL",
    ):
        with sync.begin() as c:
            c.execute(text("SET ROLE dunwell_audit_writer"))
            with pytest.raises(DBAPIError, match=r"permission denied|must be owner"):
                c.execute(text(statement))
    sync.dispose()
