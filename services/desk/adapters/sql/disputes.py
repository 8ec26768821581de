"""The dispute register in SQL (part of :class:`~services.desk.ports.DeskStore`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.desk.adapters.sql.access import select_rows, transaction, versioned
from services.desk.adapters.sql.schema import disputes
from services.desk.domain.disputes import Dispute, DisputeStatus


def _dispute(row: Any) -> Dispute:
    return Dispute.model_validate_json(row.body).model_copy(update={"version": int(row.version)})


class SqlDisputes:
    """Register entries as JSON bodies beside the columns that select and order them."""

    _engine: AsyncEngine

    async def save_dispute(self, dispute: Dispute) -> None:
        values = {
            "loan_id": dispute.loan_id,
            "status": dispute.status,
            "answer_due": dispute.answer_due,
            "body": dispute.model_dump_json(exclude={"version"}),
        }
        async with transaction(self._engine) as conn:
            await versioned(
                conn, disputes, "dispute_id", dispute.dispute_id, dispute.version, values
            )

    async def _select(self, stmt: Any) -> list[Dispute]:
        return [_dispute(r) for r in await select_rows(self._engine, stmt)]

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
