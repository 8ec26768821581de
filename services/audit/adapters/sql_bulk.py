"""The bulk of every append, the leaves and tree nodes, at the driver: SQLite's executemany of
one prebuilt INSERT, PostgreSQL's binary COPY (one stream per table, not a statement per row;
binary: the hashes and ciphertexts as they are, not hex-escaped, half the driver's CPU per
row)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import psycopg
from sqlalchemy import BigInteger, DateTime, Integer, LargeBinary, String, Table
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import TypeEngine

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
            cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.set_types(copy_types(table))
            for row in rows:
                await copy.write_row(row)
    except psycopg.errors.IntegrityError as e:
        raise RetryableError("append conflicted with another writer", defer_s=0.1) from e
    except psycopg.OperationalError as e:
        raise RetryableError(f"audit store unavailable: {type(e).__name__}", defer_s=1.0) from e


@cache
def copy_types(table: Table) -> list[str]:
    """The PostgreSQL type of each column of ``table`` (its order), as binary COPY needs."""
    return [_pg_type(column.type) for column in table.columns]


def _pg_type(kind: TypeEngine[Any]) -> str:
    if isinstance(kind, BigInteger):  # (an Integer too: asked first)
        return "int8"
    if isinstance(kind, Integer):
        return "int4"
    if isinstance(kind, LargeBinary):
        return "bytea"
    if isinstance(kind, DateTime):
        return "timestamptz" if kind.timezone else "timestamp"
    if isinstance(kind, String):
        return "varchar"
    raise TypeError(f"no binary COPY type for {kind!r}")
