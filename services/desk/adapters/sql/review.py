"""The review queues on SQLAlchemy Core (:class:`~services.desk.ports.ReviewStore`)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.desk.adapters.sql.schema import reviews
from services.desk.domain.model import StaleWrite
from services.desk.domain.review import ReviewItem
from shared.database import is_unique_violation
from shared.errors import RetryableError
from shared.events import ReviewQueue


class SqlReviewStore:
    """Review items in SQLite or PostgreSQL (the desk store's engine and migrations)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def review(self, item_id: str) -> ReviewItem | None:
        rows = await self._rows(select(reviews).where(reviews.c.item_id == item_id))
        return _item(rows[0]) if rows else None

    async def keep_review(self, item: ReviewItem) -> None:
        values: dict[str, Any] = {
            "queue": item.queue,
            "state": item.state,
            "opened_at": item.opened_at.astimezone(UTC),
            "body": item.model_dump_json(exclude={"version"}),
        }
        try:
            async with self._engine.begin() as conn:
                if item.version == 0:
                    await conn.execute(
                        insert(reviews).values(item_id=item.item_id, version=1, **values)
                    )
                    return
                done = await conn.execute(
                    update(reviews)
                    .where(
                        and_(reviews.c.item_id == item.item_id, reviews.c.version == item.version)
                    )
                    .values(version=item.version + 1, **values)
                )
                if done.rowcount != 1:
                    raise StaleWrite("changed since it was read")
        except IntegrityError as e:
            if is_unique_violation(e):
                raise StaleWrite("written meanwhile by another writer") from e
            raise
        except OperationalError as e:
            raise RetryableError(f"desk database unavailable: {type(e).__name__}") from e

    async def reviews(self, queue: ReviewQueue, limit: int) -> list[ReviewItem]:
        stmt = (
            select(reviews)
            .where(reviews.c.queue == queue, reviews.c.state == "open")
            .order_by(reviews.c.opened_at, reviews.c.item_id)
            .limit(limit)
        )
        return [_item(r) for r in await self._rows(stmt)]

    async def review_counts(self) -> dict[ReviewQueue, int]:
        stmt = (
            select(reviews.c.queue, func.count())
            .where(reviews.c.state == "open")
            .group_by(reviews.c.queue)
        )
        return {r[0]: int(r[1]) for r in await self._rows(stmt)}

    async def _rows(self, stmt: Any) -> list[Any]:
        try:
            async with self._engine.connect() as conn:
                return list(await conn.execute(stmt))
        except OperationalError as e:
            raise RetryableError(f"desk database unavailable: {type(e).__name__}") from e


def _item(row: Any) -> ReviewItem:
    return ReviewItem.model_validate_json(row.body).model_copy(update={"version": int(row.version)})
