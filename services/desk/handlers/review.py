"""The review queues: items from the notifier's interactions, read by the people who decide
them, and each decision sent to the notifier once.

The decision's command is acknowledged by the broker before the desk keeps the item decided:
a crash in between sends the same command (the same id) again on the person's retry, and the
notifier applies it once.
"""

from __future__ import annotations

from typing import Any, Final, get_args

from services.desk.domain.access import Person
from services.desk.domain.review import (
    DecisionRequest,
    ReviewItem,
    check_queue,
    decide,
    decision_id,
    item_id,
    item_of,
    may_decide,
    settled,
)
from services.desk.handlers.context import DeskContext
from services.desk.metrics import REVIEWS_DECIDED, REVIEWS_OPEN, REVIEWS_OPENED
from shared.errors import ServiceError
from shared.events import InteractionRecorded, ReviewQueue

QUEUES: Final[tuple[ReviewQueue, ...]] = get_args(ReviewQueue)


class ReviewNotFound(ServiceError):
    """No such review item (HTTP 404)."""


async def interaction_seen(event: InteractionRecorded, ctx: DeskContext) -> None:
    """Open the item a send asking a person makes (once), or close the open item of a send
    the notifier settled meanwhile."""
    opened = item_of(event)
    if opened is not None:
        if await ctx.reviews.review(opened.item_id) is None:
            await ctx.reviews.keep_review(opened)
            REVIEWS_OPENED.labels(opened.queue).inc()
        return
    if event.request_id is None or event.channel == "voice":
        return
    stored = await ctx.reviews.review(item_id(event.request_id, event.channel))
    closed = settled(stored, event.kind) if stored is not None else None
    if closed is not None:
        await ctx.reviews.keep_review(closed)


def item_json(item: ReviewItem, now: Any) -> dict[str, Any]:
    """One item, with its age in seconds now."""
    body = item.model_dump(mode="json", exclude={"version"})
    body["age_s"] = int(item.age(now).total_seconds())
    return body


async def queue(name: ReviewQueue, person: Person, ctx: DeskContext, limit: int) -> list[Any]:
    """The queue's open items, the oldest first."""
    check_queue(person, name, ctx.review_team)
    now = ctx.clock()
    return [item_json(i, now) for i in await ctx.reviews.reviews(name, limit)]


async def overview(person: Person, ctx: DeskContext) -> list[dict[str, Any]]:
    """The queues this person decides, with how many items wait in each."""
    counts = await ctx.reviews.review_counts()
    return [
        {"queue": q, "open": counts.get(q, 0)}
        for q in QUEUES
        if may_decide(person, q, ctx.review_team)
    ]


async def one(item: str, person: Person, ctx: DeskContext) -> dict[str, Any]:
    found = await _item(item, person, ctx)
    return item_json(found, ctx.clock())


async def record_decision(
    item: str, request: DecisionRequest, person: Person, ctx: DeskContext
) -> tuple[ReviewItem, bool]:
    """Send the person's decision to the notifier and keep the item decided; the item and
    whether the decision is new (a repeat of its decision id changes and sends nothing)."""
    found = await _item(item, person, ctx)
    known = found.decided
    if known is not None and known.decision_id == decision_id(found.item_id, request.decision_id):
        return found, False
    decided, command = decide(found, request, person, at=ctx.clock())
    await ctx.publisher.publish(ctx.review_decisions_topic, command)
    await ctx.reviews.keep_review(decided)
    REVIEWS_DECIDED.labels(found.queue, request.verdict).inc()
    return decided.model_copy(update={"version": decided.version + 1}), True


async def refresh_review_gauges(ctx: DeskContext) -> None:
    counts = await ctx.reviews.review_counts()
    for name in QUEUES:
        REVIEWS_OPEN.labels(name).set(counts.get(name, 0))


async def _item(item: str, person: Person, ctx: DeskContext) -> ReviewItem:
    found = await ctx.reviews.review(item)
    if found is None:
        raise ReviewNotFound("no such review item")
    check_queue(person, found.queue, ctx.review_team)
    return found
