"""Field visits on SQLAlchemy Core (:class:`~services.desk.ports.VisitStore`)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.desk.adapters.sql.access import select_rows, transaction, versioned
from services.desk.adapters.sql.schema import visits
from services.desk.domain.visits import Visit


class SqlVisitStore:
    """Visits in SQLite or PostgreSQL (the desk store's engine and migrations)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def visit(self, visit_id: str) -> Visit | None:
        rows = await select_rows(self._engine, select(visits).where(visits.c.visit_id == visit_id))
        return _visit(rows[0]) if rows else None

    async def visit_for_notice(self, notice_id: str) -> Visit | None:
        rows = await select_rows(
            self._engine, select(visits).where(visits.c.notice_id == notice_id)
        )
        return _visit(rows[0]) if rows else None

    async def visits_of_loan(self, loan_id: str) -> list[Visit]:
        stmt = (
            select(visits)
            .where(visits.c.loan_id == loan_id)
            .order_by(visits.c.episode, visits.c.sequence)
        )
        return [_visit(r) for r in await select_rows(self._engine, stmt)]

    async def keep_visit(self, visit: Visit) -> None:
        values: dict[str, Any] = {
            "state": visit.state,
            "starts_at": visit.slot.starts_at.astimezone(UTC),
            "body": visit.model_dump_json(exclude={"version"}),
        }
        async with transaction(self._engine) as conn:
            await versioned(
                conn,
                visits,
                "visit_id",
                visit.visit_id,
                visit.version,
                values,
                inserted=_keys(visit),
            )


def _keys(visit: Visit) -> dict[str, Any]:
    return {
        "visit_id": visit.visit_id,
        "loan_id": visit.loan_id,
        "notice_id": visit.notice_id,
        "episode": visit.episode,
        "sequence": visit.sequence,
    }


def _visit(row: Any) -> Visit:
    return Visit.model_validate_json(row.body).model_copy(update={"version": int(row.version)})
