"""What provider callbacks look up in SQL: the send, the debtor, the latest loan, replays."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from services.notifier.adapters.sql.base import SqlBase
from services.notifier.adapters.sql.schema import (
    callbacks_seen,
    directory_points,
    send_ledger,
)
from services.notifier.domain.model import (
    SentMessage,
)


class SqlCallbacks(SqlBase):
    """What provider callbacks look up (:class:`~services.notifier.ports.CallbackStore`)."""

    async def find_debtor(self, point_id: str) -> str | None:
        async with self._engine.connect() as conn:
            found = await conn.execute(
                select(directory_points.c.debtor_id).where(directory_points.c.point_id == point_id)
            )
            return found.scalar_one_or_none()

    async def find_send(self, provider_message_ids: list[str]) -> SentMessage | None:
        if not provider_message_ids:
            return None
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(send_ledger)
                    .where(send_ledger.c.provider_message_id.in_(provider_message_ids))
                    .limit(1)
                )
            ).one_or_none()
        if row is None:
            return None
        return SentMessage(row.send_key, row.debtor_id, row.loan_id, row.channel)

    async def latest_loan(self, debtor_id: str) -> str | None:
        async with self._engine.connect() as conn:
            found = await conn.execute(
                select(send_ledger.c.loan_id)
                .where(send_ledger.c.debtor_id == debtor_id, send_ledger.c.loan_id.is_not(None))
                .order_by(send_ledger.c.claimed_at.desc())
                .limit(1)
            )
            return found.scalar_one_or_none()

    async def first_time(self, callback_key: str, at: datetime) -> bool:
        stmt = (
            self._dialect.insert(callbacks_seen)
            .values(callback_key=callback_key, at=at)
            .on_conflict_do_nothing(index_elements=[callbacks_seen.c.callback_key])
            .returning(callbacks_seen.c.callback_key)
        )
        async with self._guard() as conn:
            return (await conn.execute(stmt)).first() is not None
