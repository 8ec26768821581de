"""What every desk table's SQL adapter shares: reads and writes that turn a database outage
into :class:`~shared.errors.RetryableError`, and versioned rows (written at the version read,
refused with :class:`~services.desk.domain.model.StaleWrite` when it moved)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Table, and_, insert, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.desk.domain.model import StaleWrite
from shared.database import is_unique_violation
from shared.errors import RetryableError


@asynccontextmanager
async def transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One transaction; a row written meanwhile by another writer is a stale write."""
    try:
        async with engine.begin() as conn:
            yield conn
    except IntegrityError as e:
        if is_unique_violation(e):
            raise StaleWrite("written meanwhile by another writer") from e
        raise
    except OperationalError as e:
        raise RetryableError(f"desk database unavailable: {type(e).__name__}") from e


async def select_rows(engine: AsyncEngine, stmt: Any) -> list[Any]:
    """The rows ``stmt`` selects."""
    try:
        async with engine.connect() as conn:
            return list(await conn.execute(stmt))
    except OperationalError as e:
        raise RetryableError(f"desk database unavailable: {type(e).__name__}") from e


async def versioned(
    conn: AsyncConnection,
    table: Table,
    key: str,
    value: str,
    version: int,
    values: Mapping[str, Any],
    *,
    inserted: Mapping[str, Any] | None = None,
) -> None:
    """Insert (version 0, with ``inserted`` columns too) or update at the version read;
    refuse when it moved."""
    if version == 0:
        row = {key: value, **(inserted or {}), "version": 1, **values}
        await conn.execute(insert(table).values(row))
        return
    done = await conn.execute(
        update(table)
        .where(and_(table.c[key] == value, table.c.version == version))
        .values(version=version + 1, **values)
    )
    if done.rowcount != 1:
        raise StaleWrite("changed since it was read")
