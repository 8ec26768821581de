"""Disputes holding a debtor's debts, in SQL (part of
:class:`~services.notifier.ports.HoldStore`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.notifier.adapters.sql.base import SqlBase
from services.notifier.adapters.sql.schema import debt_holds
from services.notifier.domain.policy.scenario import Hold


async def open_holds(conn: AsyncConnection, debtor_id: str) -> tuple[Hold, ...]:
    """The debtor's disputes not yet released, the oldest first."""
    rows = await conn.execute(
        select(debt_holds.c.dispute_id, debt_holds.c.debt_id, debt_holds.c.category)
        .where(debt_holds.c.debtor_id == debtor_id, debt_holds.c.released_at.is_(None))
        .order_by(debt_holds.c.opened_at, debt_holds.c.dispute_id)
    )
    return tuple(
        Hold(dispute_id=r.dispute_id, debt_id=r.debt_id, category=r.category) for r in rows
    )


class SqlHolds(SqlBase):
    """Holds opened and released under the debtor's gate lock, so a send judged meanwhile
    sees the hold or was judged wholly before it."""

    async def open_hold(self, debtor_id: str, hold: Hold, at: datetime) -> bool:
        stmt = (
            self._dialect.insert(debt_holds)
            .values(
                dispute_id=hold.dispute_id,
                debtor_id=debtor_id,
                debt_id=hold.debt_id,
                category=hold.category,
                opened_at=at,
                released_at=None,
            )
            .on_conflict_do_nothing(index_elements=[debt_holds.c.dispute_id])
            .returning(debt_holds.c.dispute_id)
        )
        async with self._guard() as conn:
            await self._lock(conn, debtor_id)
            return (await conn.execute(stmt)).first() is not None

    async def release_hold(self, debtor_id: str, hold: Hold, at: datetime) -> bool:
        stmt = self._dialect.insert(debt_holds).values(
            dispute_id=hold.dispute_id,
            debtor_id=debtor_id,
            debt_id=hold.debt_id,
            category=hold.category,
            opened_at=at,
            released_at=at,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[debt_holds.c.dispute_id],
            set_={
                "released_at": func.coalesce(debt_holds.c.released_at, stmt.excluded.released_at)
            },
            where=debt_holds.c.released_at.is_(None),
        ).returning(debt_holds.c.dispute_id)
        async with self._guard() as conn:
            await self._lock(conn, debtor_id)
            return (await conn.execute(stmt)).first() is not None

    async def holds(self, debtor_id: str) -> tuple[Hold, ...]:
        async with self._engine.connect() as conn:
            return await open_holds(conn, debtor_id)
