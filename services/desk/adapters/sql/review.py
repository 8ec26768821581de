"""The review queues on SQLAlchemy Core (:class:`~services.desk.ports.ReviewStore`)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.desk.adapters.sql.access import select_rows, transaction, versioned
from services.desk.adapters.sql.schema import reviews
from services.desk.domain.review import ReviewItem
from shared.events import ReviewQueue


class SqlReviewStore:
    """Review items in SQLite or PostgreSQL (the desk store's engine and migrations)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def review(self, item_id: str) -> ReviewItem | None:
        rows = await select_rows(self._engine, select(reviews).where(reviews.c.item_id == item_id))
        return _item(rows[0]) if rows else None

    async def keep_review(self, item: ReviewItem) -> None:
        values: dict[str, Any] = {
            "queue": item.queue,
            "state": item.state,
            "opened_at": item.opened_at.astimezone(UTC),
            "body": item.model_dump_json(exclude={"version"}),
        }
        async with transaction(self._engine) as conn:
            await versioned(conn, reviews, "item_id", item.item_id, item.version, values)

    async def reviews(self, queue: ReviewQueue, limit: int) -> list[ReviewItem]:
        stmt = (
            select(reviews)
            .where(reviews.c.queue == queue, reviews.c.state == "open")
            .order_by(reviews.c.opened_at, reviews.c.item_id)
            .limit(limit)
        )
        return [_item(r) for r in await select_rows(self._engine, stmt)]

    async def review_counts(self) -> dict[ReviewQueue, int]:
        stmt = (
            select(reviews.c.queue, func.count())
            .where(reviews.c.state == "open")
            .group_by(reviews.c.queue)
        )
        return {r[0]: int(r[1]) for r in await select_rows(self._engine, stmt)}


def _item(row: Any) -> ReviewItem:
    return ReviewItem.model_validate_json(row.body).model_copy(update={"version": int(row.version)})
