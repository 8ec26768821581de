"""One contract for the notifier's ledger and directory: memory, SQLite, PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import pytest

from services.notifier.adapters.memory import InMemoryContactDirectory, InMemorySendLedger
from services.notifier.adapters.sql import SqlNotifierStore
from services.notifier.domain import ContactPoint
from services.notifier.ports import ContactDirectory, SendLedger, SendStatus
from shared.database import create_engine


class Store(SendLedger, ContactDirectory, Protocol):
    """Both ports, as the SQL adapter provides them."""


class MemoryStore(InMemorySendLedger, InMemoryContactDirectory):
    def __init__(self) -> None:
        InMemorySendLedger.__init__(self)
        InMemoryContactDirectory.__init__(self)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/notifier.db"
    else:
        url = request.getfixturevalue("postgres_database")
    engine = create_engine(url)
    sql = SqlNotifierStore(engine)
    await sql.create_schema()
    yield sql
    await engine.dispose()


class TestSendLedgerContract:
    async def test_the_first_claim_wins_and_later_ones_see_it(self, store: Store) -> None:
        entry, new = await store.claim("r1|email", debtor_id="d1", channel="email")
        assert (entry.status, new) == (SendStatus.PENDING, True)
        again, new = await store.claim("r1|email", debtor_id="d1", channel="email")
        assert (again.status, new) == (SendStatus.PENDING, False)

    async def test_concurrent_claims_give_exactly_one_winner(self, store: Store) -> None:
        results = await asyncio.gather(
            *(store.claim("r2|email", debtor_id="d1", channel="email") for _ in range(8))
        )
        assert sum(new for _, new in results) == 1

    async def test_a_settled_send_is_reported_to_later_claims(self, store: Store) -> None:
        await store.claim("r3|email", debtor_id="d1", channel="email")
        await store.settle("r3|email", SendStatus.SENT, "<m1@bank.example>")
        entry, new = await store.claim("r3|email", debtor_id="d1", channel="email")
        assert (entry.status, entry.provider_message_id, new) == (
            SendStatus.SENT,
            "<m1@bank.example>",
            False,
        )

    async def test_release_frees_a_pending_claim_only(self, store: Store) -> None:
        await store.claim("r4|email", debtor_id="d1", channel="email")
        await store.release("r4|email")
        assert (await store.claim("r4|email", debtor_id="d1", channel="email"))[1] is True
        await store.settle("r4|email", SendStatus.SENT, "m")
        await store.release("r4|email")
        assert (await store.claim("r4|email", debtor_id="d1", channel="email"))[1] is False


class TestContactDirectoryContract:
    async def test_upsert_then_get(self, store: Store) -> None:
        contact = ContactPoint("d1", "a@borrower.example", None, "en", "Asia/Shanghai")
        await store.upsert(contact, as_of=datetime(2026, 1, 1, tzinfo=UTC))
        assert await store.get("d1") == contact
        assert await store.get("nobody") is None

    async def test_only_a_newer_update_wins(self, store: Store) -> None:
        new = ContactPoint("d2", "new@borrower.example", None, "en", "UTC")
        old = ContactPoint("d2", "old@borrower.example", None, "en", "UTC")
        await store.upsert(new, as_of=datetime(2026, 2, 1, tzinfo=UTC))
        await store.upsert(old, as_of=datetime(2026, 1, 1, tzinfo=UTC))
        assert await store.get("d2") == new
        newest = ContactPoint("d2", "newest@borrower.example", "+8613800000000", "zh-CN", "UTC")
        await store.upsert(newest, as_of=datetime(2026, 3, 1, tzinfo=UTC))
        assert await store.get("d2") == newest
