"""The evidence log on SQLAlchemy Core: SQLite by default, PostgreSQL in production."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.audit.adapters.schema import (
    checkpoints,
    data_keys,
    leaves,
    nodes,
    verification_codes,
)
from services.audit.domain.rows import AppendBatch, CheckpointRow, CodeRow, LeafRow
from services.audit.domain.tree import Node
from shared.database import as_utc, migrate, ping
from shared.errors import RetryableError

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_CHUNK = 500  # keys per IN (...) query


def _leaf(row: Any) -> LeafRow:
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


def _chunks(values: Collection[Any]) -> list[list[Any]]:
    items = list(values)
    return [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]


def _append_rows(batch: AppendBatch) -> list[tuple[Table, list[dict[str, Any]]]]:
    """The rows one batch inserts, table by table, keys first (in one transaction)."""
    created = next((r.recorded_at for r in batch.leaves if r.recorded_at), None)
    keys = [
        {"key_ref": ref, "wrapped_key": wrapped, "created_at": created or datetime.now(UTC)}
        for ref, wrapped in batch.new_keys.items()
    ]
    return [
        (data_keys, keys),
        (leaves, [_leaf_values(r) for r in batch.leaves]),
        (
            nodes,
            [{"level": lv, "node_index": ix, "hash": h} for (lv, ix), h in batch.nodes.items()],
        ),
        (verification_codes, [_code_values(c) for c in batch.codes]),
    ]


def _leaf_values(r: LeafRow) -> dict[str, Any]:
    return {
        "leaf_index": r.index,
        "event_id": r.event_id,
        "kind": r.kind,
        "debtor_id": r.debtor_id,
        "loan_id": r.loan_id,
        "leaf_data": r.leaf_data,
        "ciphertext": r.ciphertext,
        "recorded_at": r.recorded_at,
    }


def _code_values(c: CodeRow) -> dict[str, Any]:
    return {
        "code": c.code,
        "leaf_index": c.leaf_index,
        "sent_at": c.sent_at,
        "channel": c.channel,
        "account_masked": c.account_masked,
    }


class SqlAuditStore:
    """:class:`~services.audit.ports.AuditStore` on one relational database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def close(self) -> None:
        await self._engine.dispose()

    async def migrate(self) -> None:
        await migrate(self._engine, MIGRATIONS)

    async def ping(self) -> bool:
        return await ping(self._engine)

    async def size(self) -> int:
        async with self._engine.connect() as conn:
            last = (await conn.execute(select(func.max(leaves.c.leaf_index)))).scalar_one()
        return 0 if last is None else int(last) + 1

    async def append(self, batch: AppendBatch) -> None:
        try:
            async with self._engine.begin() as conn:
                for table, rows in _append_rows(batch):
                    if rows:
                        await conn.execute(insert(table), rows)
        except IntegrityError as e:
            raise RetryableError("append conflicted with another writer", defer_s=0.1) from e
        except OperationalError as e:
            raise RetryableError(f"audit store unavailable: {type(e).__name__}") from e

    async def known_ids(self, event_ids: Collection[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        async with self._engine.connect() as conn:
            for chunk in _chunks(event_ids):
                rows = await conn.execute(
                    select(leaves.c.event_id, leaves.c.leaf_index).where(
                        leaves.c.event_id.in_(chunk)
                    )
                )
                found.update({r.event_id: int(r.leaf_index) for r in rows})
        return found

    async def last_indexes(
        self, debtor_ids: Collection[str], loan_ids: Collection[str]
    ) -> tuple[dict[str, int], dict[str, int]]:
        async with self._engine.connect() as conn:
            by_debtor = await self._max_by(conn, leaves.c.debtor_id, debtor_ids)
            by_loan = await self._max_by(conn, leaves.c.loan_id, loan_ids)
        return by_debtor, by_loan

    @staticmethod
    async def _max_by(conn: Any, column: Any, values: Collection[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in _chunks(values):
            rows = await conn.execute(
                select(column, func.max(leaves.c.leaf_index))
                .where(column.in_(chunk))
                .group_by(column)
            )
            found.update({r[0]: int(r[1]) for r in rows})
        return found

    async def nodes(self, keys: Collection[Node]) -> dict[Node, bytes]:
        found: dict[Node, bytes] = {}
        async with self._engine.connect() as conn:
            for chunk in _chunks(keys):
                # One query per chunk, a proof is one round trip. OR of key equalities, not a
                # row-value IN: SQLite answers the IN form with a full table scan.
                wanted = or_(
                    *(and_(nodes.c.level == lv, nodes.c.node_index == ix) for lv, ix in chunk)
                )
                rows = await conn.execute(
                    select(nodes.c.level, nodes.c.node_index, nodes.c.hash).where(wanted)
                )
                found.update({(int(r.level), int(r.node_index)): bytes(r.hash) for r in rows})
        return found

    async def leaves(self, indexes: Collection[int]) -> list[LeafRow]:
        found: list[LeafRow] = []
        async with self._engine.connect() as conn:
            for chunk in _chunks(indexes):
                rows = await conn.execute(select(leaves).where(leaves.c.leaf_index.in_(chunk)))
                found.extend(_leaf(r) for r in rows)
        return sorted(found, key=lambda r: r.index)

    async def leaves_between(self, start: int, end: int) -> list[LeafRow]:
        query = (
            select(leaves)
            .where(leaves.c.leaf_index >= start, leaves.c.leaf_index < end)
            .order_by(leaves.c.leaf_index)
        )
        async with self._engine.connect() as conn:
            return [_leaf(r) for r in await conn.execute(query)]

    async def case_leaves(
        self, *, debtor_id: str | None, loan_id: str | None, limit: int, kind: str | None = None
    ) -> list[LeafRow]:
        query = select(leaves).order_by(leaves.c.leaf_index).limit(limit)
        if debtor_id is not None:
            query = query.where(leaves.c.debtor_id == debtor_id)
        if loan_id is not None:
            query = query.where(leaves.c.loan_id == loan_id)
        if kind is not None:
            query = query.where(leaves.c.kind == kind)
        async with self._engine.connect() as conn:
            return [_leaf(r) for r in await conn.execute(query)]

    async def add_checkpoint(self, checkpoint: CheckpointRow) -> None:
        try:
            async with self._engine.begin() as conn:
                await conn.execute(
                    insert(checkpoints).values(
                        tree_size=checkpoint.size,
                        root=checkpoint.root,
                        note=checkpoint.note,
                        signed_at=checkpoint.signed_at,
                        timestamp_token=checkpoint.timestamp_token,
                    )
                )
        except IntegrityError as e:
            raise RetryableError("a checkpoint of this size exists already") from e

    async def checkpoints(self, *, latest_only: bool = False) -> list[CheckpointRow]:
        query = select(checkpoints).order_by(
            checkpoints.c.tree_size.desc() if latest_only else checkpoints.c.tree_size
        )
        if latest_only:
            query = query.limit(1)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            CheckpointRow(
                size=int(r.tree_size),
                root=bytes(r.root),
                note=r.note,
                signed_at=as_utc(r.signed_at),
                timestamp_token=bytes(r.timestamp_token) if r.timestamp_token else None,
            )
            for r in rows
        ]

    async def wrapped_key(self, key_ref: str) -> tuple[bool, bytes | None]:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(data_keys.c.wrapped_key).where(data_keys.c.key_ref == key_ref)
                )
            ).one_or_none()
        if row is None:
            return False, None
        return True, bytes(row.wrapped_key) if row.wrapped_key is not None else None

    async def wrapped_keys(self, key_refs: Collection[str]) -> dict[str, bytes | None]:
        found: dict[str, bytes | None] = {}
        async with self._engine.connect() as conn:
            for chunk in _chunks(key_refs):
                rows = await conn.execute(
                    select(data_keys.c.key_ref, data_keys.c.wrapped_key).where(
                        data_keys.c.key_ref.in_(chunk)
                    )
                )
                found.update(
                    {r.key_ref: bytes(r.wrapped_key) if r.wrapped_key else None for r in rows}
                )
        return found

    async def erase_key(self, key_ref: str, at: datetime) -> bool:
        async with self._engine.begin() as conn:
            result = await conn.execute(
                update(data_keys)
                .where(data_keys.c.key_ref == key_ref, data_keys.c.wrapped_key.is_not(None))
                .values(wrapped_key=None, erased_at=at)
            )
        return bool(result.rowcount)

    async def inactive_debtors(self, before: datetime) -> list[str]:
        latest = (
            select(leaves.c.debtor_id)
            .where(leaves.c.debtor_id.is_not(None))
            .group_by(leaves.c.debtor_id)
            .having(func.max(leaves.c.recorded_at) < before)
        )
        async with self._engine.connect() as conn:
            debtors = [r[0] for r in await conn.execute(latest)]
            erased = {
                r[0]
                for r in await conn.execute(
                    select(data_keys.c.key_ref).where(data_keys.c.wrapped_key.is_(None))
                )
            }
        return [d for d in debtors if f"debtor:{d}" not in erased]

    async def find_code(self, code: str) -> CodeRow | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(verification_codes).where(verification_codes.c.code == code)
                )
            ).one_or_none()
        if row is None:
            return None
        return CodeRow(
            code=row.code,
            leaf_index=int(row.leaf_index),
            sent_at=as_utc(row.sent_at),
            channel=row.channel,
            account_masked=row.account_masked,
        )
