"""The send ledger in SQL: one row per (request, channel), settled once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select, update

from services.notifier.adapters.sql.base import SqlBase
from services.notifier.adapters.sql.schema import (
    contact_log,
    send_ledger,
)
from services.notifier.domain.model import (
    LedgerEntry,
    SendStatus,
)


class SqlLedger(SqlBase):
    """The send ledger (:class:`~services.notifier.ports.SendLedger`)."""

    async def entry(self, key: str) -> LedgerEntry | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(send_ledger).where(send_ledger.c.send_key == key))
            ).one_or_none()
        if row is None:
            return None
        return LedgerEntry(key, SendStatus(row.status), row.provider_message_id, row.provider)

    async def settle(
        self,
        key: str,
        status: SendStatus,
        provider_message_id: str | None = None,
        provider: str | None = None,
    ) -> None:
        async with self._guard() as conn:
            await conn.execute(
                update(send_ledger)
                .where(send_ledger.c.send_key == key)
                .values(
                    status=status.value,
                    provider_message_id=provider_message_id,
                    provider=provider,
                    settled_at=datetime.now(UTC),
                )
            )
            if status is SendStatus.SENT:
                await conn.execute(
                    update(contact_log)
                    .where(contact_log.c.contact_key == key)
                    .values(reserved=False)
                )
            elif status is SendStatus.FAILED:  # refused by the provider: it does not count
                await conn.execute(delete(contact_log).where(contact_log.c.contact_key == key))

    async def mark_attempt(self, key: str, provider: str) -> None:
        async with self._guard() as conn:
            await conn.execute(
                update(send_ledger)
                .where(
                    send_ledger.c.send_key == key,
                    send_ledger.c.status == SendStatus.PENDING.value,
                )
                .values(provider=provider)
            )

    async def release(self, key: str) -> None:
        async with self._guard() as conn:
            gone = await conn.execute(
                delete(send_ledger).where(
                    send_ledger.c.send_key == key, send_ledger.c.status == SendStatus.PENDING.value
                )
            )
            if gone.rowcount:
                await conn.execute(delete(contact_log).where(contact_log.c.contact_key == key))
