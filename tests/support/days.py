"""Business days passing on the real broker: core banking's close of business on every
partition of the loan topic, and knowing the scheduler has swept each of them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sandbox.loanbook import Item, publish_items
from sandbox.stack import Stack
from shared.events import BusinessDayClosed
from shared.settings import KafkaSettings
from shared.testing.factories import random_ref
from tests.polling import eventually

#: The loan topic's partitions in the e2e stacks (tests.support.stack).
PARTITIONS = 4


def closes(day: date, partitions: int = PARTITIONS) -> list[Item]:
    """Core banking's close of business on ``day``, one per partition (18:00 in Shanghai)."""
    at = datetime.combine(day, time(10, 0), UTC)
    return [
        Item(
            "close",
            BusinessDayClosed(event_id=random_ref("close"), occurred_at=at, business_date=day),
            p,
        )
        for p in range(partitions)
    ]


async def swept(stack: Stack, kafka: KafkaSettings, day: date, timeout_s: float = 90) -> None:
    """Close ``day`` and return once the scheduler has processed every partition's close.

    The scheduler publishes a record's decisions (acknowledged by the broker) before it counts
    the record processed, so what it decided that day is on the broker when this returns.
    """
    topic = kafka.topics.loan_events

    async def processed() -> float:
        return await stack.counted("scheduler", "dunwell_events_consumed", topic=topic)

    before = await processed()
    await publish_items(kafka, closes(day))

    async def all_swept() -> bool:
        return await processed() >= before + PARTITIONS

    await eventually(all_swept, timeout_s=timeout_s)
