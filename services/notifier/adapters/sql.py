"""Ledger and contact directory on SQLAlchemy Core: SQLite by default, PostgreSQL in production."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, MetaData, String, Table, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.notifier.domain import ContactPoint
from services.notifier.ports import LedgerEntry, SendStatus
from shared.database import is_unique_violation, ping
from shared.errors import RetryableError

metadata = MetaData()

send_ledger = Table(
    "send_ledger",
    metadata,
    Column("send_key", String(300), primary_key=True),  # request id | channel
    Column("debtor_id", String(128), nullable=False, index=True),
    Column("channel", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("provider_message_id", String(256)),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
    Column("settled_at", DateTime(timezone=True)),
)

contact_points = Table(
    "contact_points",
    metadata,
    Column("debtor_id", String(128), primary_key=True),
    Column("email", String(254)),
    Column("mobile", String(32)),
    Column("locale", String(16), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("as_of", DateTime(timezone=True), nullable=False),
)


class SqlNotifierStore:
    """:class:`SendLedger` and :class:`ContactDirectory` in one relational database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def create_schema(self) -> None:
        async with self._engine.begin() as conn:
            await conn.run_sync(metadata.create_all)

    async def ping(self) -> bool:
        return await ping(self._engine)

    async def claim(self, key: str, *, debtor_id: str, channel: str) -> tuple[LedgerEntry, bool]:
        row = {
            "send_key": key,
            "debtor_id": debtor_id,
            "channel": channel,
            "status": SendStatus.PENDING.value,
            "claimed_at": datetime.now(UTC),
        }
        try:
            async with self._engine.begin() as conn:
                await conn.execute(insert(send_ledger).values(**row))
            return LedgerEntry(key, SendStatus.PENDING), True
        except IntegrityError as e:
            if not is_unique_violation(e):
                raise
        except OperationalError as e:
            raise RetryableError(f"ledger unavailable: {type(e).__name__}") from e
        return await self._existing(key), False

    async def _existing(self, key: str) -> LedgerEntry:
        async with self._engine.connect() as conn:
            found = (
                await conn.execute(
                    select(send_ledger.c.status, send_ledger.c.provider_message_id).where(
                        send_ledger.c.send_key == key
                    )
                )
            ).one()
        return LedgerEntry(key, SendStatus(found.status), found.provider_message_id)

    async def settle(
        self, key: str, status: SendStatus, provider_message_id: str | None = None
    ) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                update(send_ledger)
                .where(send_ledger.c.send_key == key)
                .values(
                    status=status.value,
                    provider_message_id=provider_message_id,
                    settled_at=datetime.now(UTC),
                )
            )

    async def release(self, key: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                delete(send_ledger).where(
                    send_ledger.c.send_key == key, send_ledger.c.status == SendStatus.PENDING.value
                )
            )

    async def upsert(self, contact: ContactPoint, *, as_of: datetime) -> None:
        values = {
            "debtor_id": contact.debtor_id,
            "email": contact.email,
            "mobile": contact.mobile,
            "locale": contact.locale,
            "timezone": contact.timezone,
            "as_of": as_of.astimezone(UTC),
        }
        dialect = postgresql if self._engine.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(contact_points).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[contact_points.c.debtor_id],
            set_={k: stmt.excluded[k] for k in values if k != "debtor_id"},
            where=contact_points.c.as_of < stmt.excluded.as_of,  # an older event never wins
        )
        async with self._engine.begin() as conn:
            await conn.execute(stmt)

    async def get(self, debtor_id: str) -> ContactPoint | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(contact_points).where(contact_points.c.debtor_id == debtor_id)
                )
            ).one_or_none()
        if row is None:
            return None
        return ContactPoint(
            debtor_id=row.debtor_id,
            email=row.email,
            mobile=row.mobile,
            locale=row.locale,
            timezone=row.timezone,
        )
