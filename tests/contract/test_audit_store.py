"""One contract for every AuditStore adapter: memory, SQLite, PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.audit.adapters.memory import InMemoryAuditStore
from services.audit.adapters.sql import SqlAuditStore
from services.audit.domain.rows import AppendBatch, CheckpointRow, CodeRow, LeafRow
from services.audit.ports import AuditStore
from shared.database import create_engine
from shared.errors import RetryableError

NOW = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)


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
    await sql.migrate()
    await sql.migrate()  # idempotent
    yield sql
    await engine.dispose()


def row(index: int, debtor: str = "d1", loan: str = "l1") -> LeafRow:
    return LeafRow(index, f"evt-{index}", "k", debtor, loan, b"leaf %d" % index, b"ct %d" % index)


def batch(*rows: LeafRow, codes: tuple[CodeRow, ...] = ()) -> AppendBatch:
    return AppendBatch(
        rows,
        {(0, r.index): bytes(32) for r in rows},
        codes,
        {f"debtor:{r.debtor_id}-{r.index}": b"w" * 40 for r in rows},
    )


class TestAuditStoreContract:
    async def test_rows_nodes_and_size(self, store: AuditStore) -> None:
        assert await store.size() == 0
        await store.append(batch(row(0), row(1)))
        await store.append(batch(row(2)))
        assert await store.size() == 3
        assert [r.index for r in await store.leaves_between(0, 10)] == [0, 1, 2]
        assert await store.leaves([2, 0]) == [row(0), row(2)]
        assert await store.nodes([(0, 1), (0, 9)]) == {(0, 1): bytes(32)}

    async def test_a_taken_index_or_event_id_is_a_conflict(self, store: AuditStore) -> None:
        await store.append(batch(row(0)))
        with pytest.raises(RetryableError):
            await store.append(batch(row(0)))
        duplicate_id = LeafRow(1, "evt-0", "k", "d", "l", b"x", b"y")
        with pytest.raises(RetryableError):
            await store.append(AppendBatch([duplicate_id], {(0, 1): bytes(32)}))
        assert await store.size() == 1

    async def test_known_ids_and_last_indexes(self, store: AuditStore) -> None:
        await store.append(batch(row(0, "d1", "l1"), row(1, "d2", "l1"), row(2, "d1", "l2")))
        assert await store.known_ids(["evt-1", "nope"]) == {"evt-1": 1}
        by_debtor, by_loan = await store.last_indexes(["d1", "d2", "d3"], ["l1"])
        assert by_debtor == {"d1": 2, "d2": 1}
        assert by_loan == {"l1": 1}

    async def test_known_ids_over_many_chunks(self, store: AuditStore) -> None:
        await store.append(batch(*(row(i, f"d{i}") for i in range(0, 1200, 2))))
        asked = [f"evt-{i}" for i in range(1201)]  # three chunks, the last of one
        assert await store.known_ids(asked) == {f"evt-{i}": i for i in range(0, 1200, 2)}
        assert await store.known_ids([]) == {}

    async def test_case_leaves_in_index_order(self, store: AuditStore) -> None:
        await store.append(batch(row(0, "d1", "l1"), row(1, "d2", "l2"), row(2, "d1", "l3")))
        found = await store.case_leaves(debtor_id="d1", loan_id=None, limit=10)
        assert [r.index for r in found] == [0, 2]
        assert [
            r.index for r in await store.case_leaves(debtor_id=None, loan_id="l2", limit=10)
        ] == [1]

    async def test_checkpoints(self, store: AuditStore) -> None:
        for size in (3, 1, 2):
            await store.add_checkpoint(CheckpointRow(size, bytes(32), f"note {size}", NOW, None))
        assert [c.size for c in await store.checkpoints()] == [1, 2, 3]
        [latest] = await store.checkpoints(latest_only=True)
        assert (latest.size, latest.note, latest.signed_at) == (3, "note 3", NOW)
        with pytest.raises(RetryableError):
            await store.add_checkpoint(CheckpointRow(3, bytes(32), "again", NOW, b"token"))

    async def test_data_keys_are_erased_not_deleted(self, store: AuditStore) -> None:
        await store.append(AppendBatch([row(0)], {(0, 0): bytes(32)}, (), {"debtor:d1": b"w"}))
        assert await store.wrapped_key("debtor:d1") == (True, b"w")
        assert await store.wrapped_key("debtor:nobody") == (False, None)
        assert await store.wrapped_keys(["debtor:d1", "debtor:x"]) == {"debtor:d1": b"w"}
        assert await store.erase_key("debtor:d1", NOW) is True
        assert await store.wrapped_key("debtor:d1") == (True, None)
        assert await store.wrapped_keys(["debtor:d1"]) == {"debtor:d1": None}
        assert await store.erase_key("debtor:d1", NOW) is False

    async def test_verification_codes(self, store: AuditStore) -> None:
        code = CodeRow("ABCD2345", 0, NOW, "email", "****1234")
        await store.append(batch(row(0), codes=(code,)))
        assert await store.find_code("ABCD2345") == code
        assert await store.find_code("ZZZZ9999") is None

    async def test_a_code_possibly_sent_then_not_sent_or_sent(self, store: AuditStore) -> None:
        maybe = CodeRow("PSBL2345", 0, NOW, "sms", "****1234", "possibly_sent")
        await store.append(batch(row(0), codes=(maybe,)))
        assert await store.find_code("PSBL2345") == maybe
        gone = CodeRow("PSBL2345", 1, NOW, "sms", "****1234", "not_sent")
        await store.append(batch(row(1), codes=(gone,)))
        assert await store.find_code("PSBL2345") == gone
        other = CodeRow("LATE2345", 2, NOW, "sms", None, "possibly_sent")
        sent = CodeRow("LATE2345", 3, NOW, "sms", None)
        await store.append(batch(row(2), row(3), codes=(other, sent)))
        assert await store.find_code("LATE2345") == sent

    async def test_inactive_debtors_are_those_quiet_since_the_cutoff(
        self, store: AuditStore
    ) -> None:
        old, recent = datetime(2023, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
        rows = [
            LeafRow(0, "a", "k", "quiet", None, b"x", b"y", old),
            LeafRow(1, "b", "k", "busy", None, b"x", b"y", old),
            LeafRow(2, "c", "k", "busy", None, b"x", b"y", recent),
        ]
        await store.append(
            AppendBatch(
                rows,
                {(0, i): bytes(32) for i in range(3)},
                (),
                {"debtor:quiet": b"w", "debtor:busy": b"w"},
            )
        )
        assert await store.inactive_debtors(datetime(2024, 1, 1, tzinfo=UTC)) == ["quiet"]
        await store.erase_key("debtor:quiet", recent)
        assert await store.inactive_debtors(datetime(2024, 1, 1, tzinfo=UTC)) == []
