"""Uncertain sends in SQL, kept for reconciliation and leased to one reconciler at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from services.notifier.adapters.sql.base import SqlBase
from services.notifier.adapters.sql.schema import uncertain_sends
from services.notifier.domain.uncertain import RECONCILE_LEASE, UncertainSend, UncertainSummary
from shared.database import as_utc


def _send(row: Any) -> UncertainSend:
    return UncertainSend(
        key=row.send_key,
        debtor_id=row.debtor_id,
        channel=row.channel,
        provider=row.provider,
        request=bytes(row.request),
        since=as_utc(row.since),
        next_check_at=as_utc(row.next_check_at),
        checks=int(row.checks),
    )


class SqlUncertain(SqlBase):
    """:class:`~services.notifier.ports.UncertainStore` in the notifier's database."""

    async def keep_uncertain(self, send: UncertainSend) -> None:
        stmt = self._dialect.insert(uncertain_sends).values(
            send_key=send.key,
            debtor_id=send.debtor_id,
            channel=send.channel,
            provider=send.provider,
            request=send.request,
            since=send.since,
            next_check_at=send.next_check_at,
            checks=send.checks,
        )
        async with self._guard() as conn:
            await conn.execute(stmt.on_conflict_do_nothing(index_elements=["send_key"]))

    async def due_uncertain(self, now: datetime, limit: int) -> list[UncertainSend]:
        """Due rows, each taken only if no one else took it since it was read."""
        query = (
            select(uncertain_sends)
            .where(uncertain_sends.c.next_check_at <= now)
            .order_by(uncertain_sends.c.next_check_at, uncertain_sends.c.send_key)
            .limit(limit)
        )
        taken: list[UncertainSend] = []
        async with self._guard() as conn:
            for row in (await conn.execute(query)).all():
                leased = await conn.execute(
                    update(uncertain_sends)
                    .where(
                        uncertain_sends.c.send_key == row.send_key,
                        uncertain_sends.c.next_check_at <= now,  # not leased meanwhile
                    )
                    .values(next_check_at=now + RECONCILE_LEASE)
                )
                if leased.rowcount:
                    taken.append(_send(row))
        return taken

    async def recheck_uncertain(self, key: str, *, checks: int, at: datetime) -> None:
        async with self._guard() as conn:
            await conn.execute(
                update(uncertain_sends)
                .where(uncertain_sends.c.send_key == key)
                .values(checks=checks, next_check_at=at)
            )

    async def forget_uncertain(self, key: str) -> None:
        async with self._guard() as conn:
            await conn.execute(uncertain_sends.delete().where(uncertain_sends.c.send_key == key))

    async def uncertain_summary(self) -> UncertainSummary:
        query = select(func.count(), func.min(uncertain_sends.c.since))
        async with self._engine.connect() as conn:
            count, oldest = (await conn.execute(query)).one()
        return UncertainSummary(int(count), as_utc(oldest) if oldest is not None else None)
