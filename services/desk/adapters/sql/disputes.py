"""The dispute register in SQL (part of :class:`~services.desk.ports.DeskStore`)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.desk.adapters.sql.schema import disputes
from services.desk.domain.disputes import Dispute, DisputeStatus
from services.desk.domain.model import StaleWrite


def _dispute(row: Any) -> Dispute:
    return Dispute.model_validate_json(row.body).model_copy(update={"version": int(row.version)})


class SqlDisputes:
    """Register entries as JSON bodies beside the columns that select and order them."""

    _engine: AsyncEngine
    #: The store's write transaction (a unique violation is a :class:`StaleWrite`).
    _transaction: Callable[[], AbstractAsyncContextManager[AsyncConnection]]

    async def save_dispute(self, dispute: Dispute) -> None:
        values = {
            "loan_id": dispute.loan_id,
            "status": dispute.status,
            "answer_due": dispute.answer_due,
            "body": dispute.model_dump_json(exclude={"version"}),
            "version": dispute.version + 1,
        }
        async with self._transaction() as conn:
            if dispute.version == 0:
                await conn.execute(insert(disputes).values(dispute_id=dispute.dispute_id, **values))
                return
            done = await conn.execute(
                update(disputes)
                .where(
                    and_(
                        disputes.c.dispute_id == dispute.dispute_id,
                        disputes.c.version == dispute.version,
                    )
                )
                .values(**values)
            )
            if done.rowcount != 1:
                raise StaleWrite("the dispute changed since it was read")

    async def _select(self, stmt: Any) -> list[Dispute]:
        async with self._engine.connect() as conn:
            return [_dispute(r) for r in await conn.execute(stmt)]

    async def dispute(self, dispute_id: str) -> Dispute | None:
        found = await self._select(select(disputes).where(disputes.c.dispute_id == dispute_id))
        return found[0] if found else None

    async def disputes(self, status: DisputeStatus | None, limit: int) -> list[Dispute]:
        stmt = select(disputes).order_by(disputes.c.answer_due, disputes.c.dispute_id)
        if status is not None:
            stmt = stmt.where(disputes.c.status == status)
        return await self._select(stmt.limit(limit))

    async def disputes_of_loan(self, loan_id: str) -> list[Dispute]:
        stmt = select(disputes).where(disputes.c.loan_id == loan_id)
        found = await self._select(stmt)
        return sorted(found, key=lambda d: (d.opened_at, d.dispute_id))
