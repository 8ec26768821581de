"""One contract for every AuditStore adapter: memory, SQLite, PostgreSQL."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.audit.adapters.memory import InMemoryAuditStore
from services.audit.adapters.sql import SqlAuditStore
from services.audit.domain import NewEntry
from services.audit.ports import AuditStore
from shared.database import create_engine


def entry(debtor: str = "d1", loan: str = "l1") -> NewEntry:
    return NewEntry(
        event_id=f"evt-{secrets.token_hex(6)}",
        kind="dunwell.interaction.recorded.v1",
        topic="dunwell.interactions.v1",
        debtor_id=debtor,
        loan_id=loan,
        occurred_at=datetime(2026, 3, 4, 9, 30, tzinfo=UTC),
        payload=b'{"a": 1}',
    )


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AuditStore]:
    if request.param == "memory":
        yield InMemoryAuditStore()
        return
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/audit.db"
    else:
        url = request.getfixturevalue("postgres_database")
    engine = create_engine(url)
    sql = SqlAuditStore(engine)
    await sql.create_schema()
    yield sql
    await engine.dispose()


class TestAuditStoreContract:
    async def test_indexes_are_dense_from_zero(self, store: AuditStore) -> None:
        indexes = [(await store.append(entry()))[0] for _ in range(5)]
        assert indexes == [0, 1, 2, 3, 4]
        assert await store.size() == 5

    async def test_a_redelivered_event_is_a_no_op(self, store: AuditStore) -> None:
        first = entry()
        assert await store.append(first) == (0, True)
        assert await store.append(first) == (0, False)
        assert await store.size() == 1

    async def test_entries_keep_bytes_and_times_exactly(self, store: AuditStore) -> None:
        original = entry()
        await store.append(original)
        [stored] = await store.entries()
        assert stored.entry == original
        assert stored.recorded_at.tzinfo is not None

    async def test_entries_filter_by_debtor_and_loan_in_index_order(
        self, store: AuditStore
    ) -> None:
        await store.append(entry("d1", "l1"))
        await store.append(entry("d2", "l2"))
        await store.append(entry("d1", "l3"))
        assert [e.index for e in await store.entries(debtor_id="d1")] == [0, 2]
        assert [e.index for e in await store.entries(loan_id="l2")] == [1]
        assert [e.index for e in await store.entries(limit=2)] == [0, 1]
