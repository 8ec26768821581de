"""The evidence log's rows as the SQL store writes and reads them."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Table

from services.audit.domain.rows import AppendBatch, CodeRow, LeafRow
from shared.database import as_utc

_CHUNK = 500  # keys per IN (...) query


def leaf_of(row: Any) -> LeafRow:
    return LeafRow(
        index=int(row.leaf_index),
        event_id=row.event_id,
        kind=row.kind,
        debtor_id=row.debtor_id,
        loan_id=row.loan_id,
        leaf_data=bytes(row.leaf_data),
        ciphertext=bytes(row.ciphertext),
        recorded_at=as_utc(row.recorded_at) if row.recorded_at else None,
    )


def chunks(values: Collection[Any]) -> list[list[Any]]:
    items = list(values)
    return [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]


def key_rows(batch: AppendBatch) -> list[dict[str, Any]]:
    created = next((r.recorded_at for r in batch.leaves if r.recorded_at), None)
    return [
        {"key_ref": ref, "wrapped_key": wrapped, "created_at": created or datetime.now(UTC)}
        for ref, wrapped in batch.new_keys.items()
    ]


@cache
def insert_sql(table: Table, placeholder: str) -> str:
    """A plain INSERT of every column of ``table``, in the driver's own parameter style (built
    once)."""
    names = [c.name for c in table.columns]
    marks = ", ".join(placeholder for _ in names)
    return f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})"  # noqa: S608


@cache
def known_ids_sql(count: int, placeholder: str) -> str:
    """The event ids among ``count`` asked that the log holds, with their leaves (built once
    per count and parameter style)."""
    marks = ", ".join(placeholder for _ in range(count))
    return f"SELECT event_id, leaf_index FROM audit_leaves WHERE event_id IN ({marks})"  # noqa: S608


#: The event ids asked that the log holds, on PostgreSQL: one array parameter (the driver
#: parses a statement longer than 4 KiB, as a 500-key IN list is, again on every call).
KNOWN_IDS_ANY = "SELECT event_id, leaf_index FROM audit_leaves WHERE event_id = ANY(%s)"


def code_values(c: CodeRow) -> dict[str, Any]:
    return {
        "code": c.code,
        "leaf_index": c.leaf_index,
        "sent_at": c.sent_at,
        "channel": c.channel,
        "account_masked": c.account_masked,
    }


def state_values(c: CodeRow) -> dict[str, Any]:
    """A code's row among the states (possibly sent, not sent)."""
    return {
        "code": c.code,
        "leaf_index": c.leaf_index,
        "status": c.status,
        "at": c.sent_at,
        "channel": c.channel,
        "account_masked": c.account_masked,
    }


def leaf_tuples(
    batch: AppendBatch, stamp: Callable[[datetime | None], Any]
) -> list[tuple[Any, ...]]:
    """The batch's leaves as the driver inserts them (the columns' order; times by ``stamp``)."""
    return [
        (
            r.index,
            r.event_id,
            r.kind,
            r.debtor_id,
            r.loan_id,
            r.leaf_data,
            r.ciphertext,
            stamp(r.recorded_at),
        )
        for r in batch.leaves
    ]
