"""One contract for the review queues' store: memory, SQLite, PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from services.desk.adapters.review_memory import InMemoryReviewStore
from services.desk.adapters.sql.review import SqlReviewStore
from services.desk.domain.model import StaleWrite
from services.desk.domain.review import DecisionRequest, ReviewItem, decide, item_of
from services.desk.ports import ReviewStore
from tests.support.desk import OPENED, SUPERVISOR, Loan
from tests.support.stores import KINDS, desk_engine


@pytest.fixture(params=KINDS)
async def reviews(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ReviewStore]:
    async with desk_engine(request, tmp_path) as engine:
        yield InMemoryReviewStore() if engine is None else SqlReviewStore(engine)


def item(loan: Loan, kind: str, request_id: str, hours: int = 0) -> ReviewItem:
    event = loan.interaction(
        kind,
        request_id=request_id,
        occurred_at=OPENED + timedelta(hours=hours),
        reason="sms is not configured",
        rules=("CN-1",),
        template="overdue-notice-v1",
    )
    found = item_of(event)
    assert found is not None
    return found


async def test_an_item_round_trips_and_versions(reviews: ReviewStore) -> None:
    new = item(Loan(), "send_escalated", "r-1")
    await reviews.keep_review(new)
    stored = await reviews.review(new.item_id)
    assert stored == new.model_copy(update={"version": 1})
    with pytest.raises(StaleWrite):
        await reviews.keep_review(new)  # version 0: must not exist yet
    wanted = DecisionRequest(decision_id="k", verdict="reject", reason="no")
    decided, _ = decide(stored, wanted, SUPERVISOR, at=OPENED)
    await reviews.keep_review(decided)
    with pytest.raises(StaleWrite):
        await reviews.keep_review(decided)  # read at version 1, now at 2
    again = await reviews.review(new.item_id)
    assert again is not None
    assert (again.state, again.version) == ("decided", 2)
    assert again.decided == decided.decided
    assert await reviews.review("nope") is None


async def test_a_queue_lists_its_open_items_oldest_first_and_counts_them(
    reviews: ReviewStore,
) -> None:
    loan = Loan()
    late, early = item(loan, "send_uncertain", "r-2", 2), item(loan, "send_uncertain", "r-1", 1)
    other = item(loan, "send_blocked", "r-3")
    for each in (late, early, other):
        await reviews.keep_review(each)
    listed = await reviews.reviews("uncertain", 10)
    assert [i.request_id for i in listed] == ["r-1", "r-2"]
    assert [i.request_id for i in await reviews.reviews("uncertain", 1)] == ["r-1"]
    closed = listed[0].model_copy(update={"state": "closed", "closed_by": "message_sent"})
    await reviews.keep_review(closed)
    assert [i.request_id for i in await reviews.reviews("uncertain", 10)] == ["r-2"]
    counts = await reviews.review_counts()
    assert (counts.get("uncertain"), counts.get("blocked"), counts.get("escalated")) == (1, 1, None)
