"""Field visits on SQLAlchemy Core (:class:`~services.desk.ports.VisitStore`)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.desk.adapters.sql.schema import visits
from services.desk.domain.model import StaleWrite
from services.desk.domain.visits import Visit
from shared.database import is_unique_violation
from shared.errors import RetryableError


class SqlVisitStore:
    """Visits in SQLite or PostgreSQL (the desk store's engine and migrations)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def visit(self, visit_id: str) -> Visit | None:
        rows = await self._rows(select(visits).where(visits.c.visit_id == visit_id))
        return _visit(rows[0]) if rows else None

    async def visit_for_notice(self, notice_id: str) -> Visit | None:
        rows = await self._rows(select(visits).where(visits.c.notice_id == notice_id))
        return _visit(rows[0]) if rows else None

    async def visits_of_loan(self, loan_id: str) -> list[Visit]:
        stmt = (
            select(visits)
            .where(visits.c.loan_id == loan_id)
            .order_by(visits.c.episode, visits.c.sequence)
        )
        return [_visit(r) for r in await self._rows(stmt)]

    async def keep_visit(self, visit: Visit) -> None:
        values: dict[str, Any] = {
            "state": visit.state,
            "starts_at": visit.slot.starts_at.astimezone(UTC),
            "body": visit.model_dump_json(exclude={"version"}),
        }
        try:
            async with self._engine.begin() as conn:
                if visit.version == 0:
                    await conn.execute(insert(visits).values(**_keys(visit), version=1, **values))
                    return
                done = await conn.execute(
                    update(visits)
                    .where(
                        and_(visits.c.visit_id == visit.visit_id, visits.c.version == visit.version)
                    )
                    .values(version=visit.version + 1, **values)
                )
                if done.rowcount != 1:
                    raise StaleWrite("changed since it was read")
        except IntegrityError as e:
            if is_unique_violation(e):
                raise StaleWrite("written meanwhile by another writer") from e
            raise
        except OperationalError as e:
            raise RetryableError(f"desk database unavailable: {type(e).__name__}") from e

    async def _rows(self, stmt: Any) -> list[Any]:
        try:
            async with self._engine.connect() as conn:
                return list(await conn.execute(stmt))
        except OperationalError as e:
            raise RetryableError(f"desk database unavailable: {type(e).__name__}") from e


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
