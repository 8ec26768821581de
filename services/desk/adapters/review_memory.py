"""The review queues in memory: the same contract as the SQL store (tests, component suite)."""

from __future__ import annotations

from collections import Counter

from services.desk.domain.model import StaleWrite
from services.desk.domain.review import ReviewItem
from shared.events import ReviewQueue


class InMemoryReviewStore:
    """:class:`~services.desk.ports.ReviewStore` in a dictionary."""

    def __init__(self) -> None:
        self.items: dict[str, ReviewItem] = {}

    async def review(self, item_id: str) -> ReviewItem | None:
        return self.items.get(item_id)

    async def keep_review(self, item: ReviewItem) -> None:
        stored = self.items.get(item.item_id)
        if (stored.version if stored is not None else 0) != item.version:
            raise StaleWrite("changed since it was read")
        self.items[item.item_id] = item.model_copy(update={"version": item.version + 1})

    async def reviews(self, queue: ReviewQueue, limit: int) -> list[ReviewItem]:
        found = [i for i in self.items.values() if i.queue == queue and i.state == "open"]
        return sorted(found, key=lambda i: (i.opened_at, i.item_id))[:limit]

    async def review_counts(self) -> dict[ReviewQueue, int]:
        counts = Counter(i.queue for i in self.items.values() if i.state == "open")
        return dict(counts)
