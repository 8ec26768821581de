"""The evidence log on SQLAlchemy Core: SQLite by default, PostgreSQL in production."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.audit.adapters.schema import (
    checkpoints,
    code_states,
    data_keys,
    leaves,
    nodes,
    verification_codes,
)
from services.audit.adapters.sql_bulk import insert_rows
from services.audit.adapters.sql_rows import (
    KNOWN_IDS_ANY,
    chunks,
    code_values,
    key_rows,
    known_ids_sql,
    leaf_of,
    leaf_tuples,
    state_values,
)
from services.audit.domain.rows import AppendBatch, CheckpointRow, CodeRow, LeafRow
from services.audit.domain.tree import Node
from services.audit.domain.verification import current
from shared.database import as_utc, migrate, ping
from shared.errors import RetryableError

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class SqlAuditStore:
    """:class:`~services.audit.ports.AuditStore` on one relational database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        dialect = engine.dialect
        # Leaves and tree nodes, the bulk of every append, go to the driver as tuples
        # (sql_bulk): SQLAlchemy's per-row parameter processing cost twice the database's work.
        self._mark = "?" if dialect.paramstyle == "qmark" else "%s"
        # A time is stored exactly as the Core statements (and every reader) have it.
        stamp = leaves.c.recorded_at.type.bind_processor(dialect)
        self._stamp: Callable[[datetime | None], Any] = stamp or (lambda at: at)

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
                if batch.new_keys:
                    await conn.execute(insert(data_keys), key_rows(batch))
                if batch.leaves:
                    await insert_rows(conn, leaves, leaf_tuples(batch, self._stamp))
                if batch.nodes:
                    rows = [(lv, ix, h) for (lv, ix), h in batch.nodes.items()]
                    await insert_rows(conn, nodes, rows)
                sent = [code_values(c) for c in batch.codes if c.status == "sent"]
                if sent:
                    await conn.execute(insert(verification_codes), sent)
                states = [state_values(c) for c in batch.codes if c.status != "sent"]
                if states:
                    await conn.execute(insert(code_states), states)
        except IntegrityError as e:
            raise RetryableError("append conflicted with another writer", defer_s=0.1) from e
        except OperationalError as e:
            raise RetryableError(f"audit store unavailable: {type(e).__name__}") from e

    async def known_ids(self, event_ids: Collection[str]) -> dict[str, int]:
        """One prebuilt query per chunk, at the driver (asked before every append)."""
        found: dict[str, int] = {}
        if not event_ids:
            return found
        async with self._engine.connect() as conn:
            if self._mark == "%s":  # PostgreSQL
                rows: Any = await conn.exec_driver_sql(KNOWN_IDS_ANY, (list(event_ids),))
                return {event_id: int(index) for event_id, index in rows}
            for chunk in chunks(event_ids):
                query = known_ids_sql(len(chunk), self._mark)
                rows = await conn.exec_driver_sql(query, tuple(chunk))
                found.update({event_id: int(index) for event_id, index in rows})
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
        for chunk in chunks(values):
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
            for chunk in chunks(keys):
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
            for chunk in chunks(indexes):
                rows = await conn.execute(select(leaves).where(leaves.c.leaf_index.in_(chunk)))
                found.extend(leaf_of(r) for r in rows)
        return sorted(found, key=lambda r: r.index)

    async def leaves_between(self, start: int, end: int) -> list[LeafRow]:
        query = (
            select(leaves)
            .where(leaves.c.leaf_index >= start, leaves.c.leaf_index < end)
            .order_by(leaves.c.leaf_index)
        )
        async with self._engine.connect() as conn:
            return [leaf_of(r) for r in await conn.execute(query)]

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
            return [leaf_of(r) for r in await conn.execute(query)]

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
            for chunk in chunks(key_refs):
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
            sent = (
                await conn.execute(
                    select(verification_codes).where(verification_codes.c.code == code)
                )
            ).all()
            states = (
                await conn.execute(select(code_states).where(code_states.c.code == code))
            ).all()
        rows = [
            CodeRow(r.code, int(r.leaf_index), as_utc(r.sent_at), r.channel, r.account_masked)
            for r in sent
        ] + [
            CodeRow(r.code, int(r.leaf_index), as_utc(r.at), r.channel, r.account_masked, r.status)
            for r in states
        ]
        return current(rows)
