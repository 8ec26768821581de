"""The bulk of every append, the leaves and tree nodes, at the driver: SQLite's executemany of
one prebuilt INSERT, PostgreSQL's COPY (one stream per table, not a statement per row)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

from services.audit.adapters.sql_rows import insert_sql
from shared.errors import RetryableError


async def insert_rows(conn: AsyncConnection, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (every column of ``table``, in its order) in the caller's transaction.

    :raises RetryableError: a row whose key is taken (another writer), or a lost connection.
    """
    if conn.dialect.name != "postgresql":
        await conn.exec_driver_sql(insert_sql(table, "?"), list(rows))
        return
    raw = await conn.get_raw_connection()
    driver: psycopg.AsyncConnection[Any] = raw.driver_connection  # type: ignore[assignment]
    columns = ", ".join(c.name for c in table.columns)
    try:
        async with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                await copy.write_row(row)
    except psycopg.errors.IntegrityError as e:
        raise RetryableError("append conflicted with another writer", defer_s=0.1) from e
    except psycopg.OperationalError as e:
        raise RetryableError(f"audit store unavailable: {type(e).__name__}", defer_s=1.0) from e
