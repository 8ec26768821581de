"""The notifier's SQL store's foundation: engine, dialect, migrations, guarded transactions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.notifier.adapters.sql.schema import gate_locks, send_ledger
from shared.database import migrate, ping
from shared.errors import RetryableError

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class SqlBase:
    """The engine, its dialect, write transactions and the per-debtor gate lock.

    On SQLite the process has one writer: write transactions queue for it in arrival order
    (an asyncio lock is first come, first served), instead of contending for the database's
    write lock and waiting out ``busy_timeout``. Another process (an operator command) still
    takes its turn through SQLite's own lock.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        self._writer = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    async def migrate(self) -> None:
        await migrate(self._engine, MIGRATIONS)

    async def ping(self) -> bool:
        return await ping(self._engine)

    async def _lock(self, conn: AsyncConnection, debtor_id: str) -> None:
        """Serialise the debtor's gate transactions (written first in each)."""
        stmt = self._dialect.insert(gate_locks).values(debtor_id=debtor_id, version=1)
        stmt = stmt.on_conflict_do_update(
            index_elements=[gate_locks.c.debtor_id], set_={"version": gate_locks.c.version + 1}
        )
        await conn.execute(stmt)

    async def _settled(self, conn: AsyncConnection, key: str) -> bool:
        """Whether the ledger has ``key`` (claimed, settled or withdrawn)."""
        found = await conn.execute(
            select(send_ledger.c.send_key).where(send_ledger.c.send_key == key)
        )
        return found.first() is not None

    def _guard(self) -> AbstractAsyncContextManager[AsyncConnection]:
        return _transaction(self._engine, self._writer)


@asynccontextmanager
async def _transaction(
    engine: AsyncEngine, writer: asyncio.Lock | None
) -> AsyncIterator[AsyncConnection]:
    """A write transaction (the process's writer's turn first, when there is one) whose
    connection failures become retryable errors."""
    try:
        async with writer or nullcontext(), engine.begin() as conn:
            yield conn
    except OperationalError as e:
        raise RetryableError(f"notifier database unavailable: {type(e).__name__}") from e
