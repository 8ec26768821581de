"""Audit store on SQLAlchemy Core: SQLite by default, PostgreSQL in production."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    LargeBinary,
    MetaData,
    String,
    Table,
    func,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.audit.domain import NewEntry, StoredEntry
from shared.database import as_utc, is_unique_violation
from shared.errors import RetryableError

metadata = MetaData()

entries = Table(
    "audit_entries",
    metadata,
    Column("leaf_index", BigInteger, primary_key=True, autoincrement=False),  # dense, from 0
    Column("event_id", String(128), nullable=False, unique=True),
    Column("kind", String(128), nullable=False),
    Column("topic", String(255), nullable=False),
    Column("debtor_id", String(128), index=True),
    Column("loan_id", String(128), index=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("payload", LargeBinary, nullable=False),
)


class SqlAuditStore:
    """:class:`~services.audit.ports.AuditStore` in one table with dense leaf indexes."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def create_schema(self) -> None:
        async with self._engine.begin() as conn:
            await conn.run_sync(metadata.create_all)

    async def ping(self) -> bool:
        try:
            async with self._engine.connect() as conn:
                await conn.execute(select(1))
        except OperationalError:
            return False
        return True

    async def append(self, entry: NewEntry) -> tuple[int, bool]:
        try:
            async with self._engine.begin() as conn:
                existing = await self._index_of(conn, entry.event_id)
                if existing is not None:
                    return existing, False
                last = (await conn.execute(select(func.max(entries.c.leaf_index)))).scalar_one()
                index = 0 if last is None else int(last) + 1
                await conn.execute(
                    insert(entries).values(
                        leaf_index=index,
                        event_id=entry.event_id,
                        kind=entry.kind,
                        topic=entry.topic,
                        debtor_id=entry.debtor_id,
                        loan_id=entry.loan_id,
                        occurred_at=entry.occurred_at.astimezone(UTC),
                        recorded_at=datetime.now(UTC),
                        payload=entry.payload,
                    )
                )
                return index, True
        except IntegrityError as e:
            if not is_unique_violation(e):
                raise
            # Another writer took the index or the id first: the caller retries the record.
            raise RetryableError("concurrent append; retrying", defer_s=0.05) from e
        except OperationalError as e:
            raise RetryableError(f"audit store unavailable: {type(e).__name__}") from e

    @staticmethod
    async def _index_of(conn: AsyncConnection, event_id: str) -> int | None:
        found = await conn.execute(
            select(entries.c.leaf_index).where(entries.c.event_id == event_id)
        )
        value = found.scalar_one_or_none()
        return None if value is None else int(value)

    async def entries(
        self, *, debtor_id: str | None = None, loan_id: str | None = None, limit: int = 100
    ) -> list[StoredEntry]:
        query = select(entries).order_by(entries.c.leaf_index).limit(limit)
        if debtor_id is not None:
            query = query.where(entries.c.debtor_id == debtor_id)
        if loan_id is not None:
            query = query.where(entries.c.loan_id == loan_id)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            StoredEntry(
                index=int(row.leaf_index),
                recorded_at=as_utc(row.recorded_at),
                entry=NewEntry(
                    event_id=row.event_id,
                    kind=row.kind,
                    topic=row.topic,
                    debtor_id=row.debtor_id,
                    loan_id=row.loan_id,
                    occurred_at=as_utc(row.occurred_at),
                    payload=bytes(row.payload),
                ),
            )
            for row in rows
        ]

    async def size(self) -> int:
        async with self._engine.connect() as conn:
            last = (await conn.execute(select(func.max(entries.c.leaf_index)))).scalar_one()
        return 0 if last is None else int(last) + 1
