"""Business days passing on the real broker: core banking's close of business on every
partition of the loan topic, and knowing the scheduler is done with each of them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from sandbox.loanbook import Item, publish_items
from services.scheduler.settings import Settings as SchedulerSettings
from shared.events import BusinessDayClosed
from shared.kafka import client_options
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


def scheduler_group(kafka: KafkaSettings) -> str:
    """The scheduler's consumer group on these topics (its faust app id)."""
    base = SchedulerSettings.model_fields["app_id"].default
    return f"{base}-{kafka.topic_namespace}" if kafka.topic_namespace else str(base)


async def _ends(kafka: KafkaSettings, topic: str) -> dict[int, int]:
    consumer = AIOKafkaConsumer(**client_options(kafka), group_id=None)
    await consumer.start()
    try:
        found = await consumer.end_offsets([TopicPartition(topic, p) for p in range(PARTITIONS)])
        return {tp.partition: offset for tp, offset in found.items()}
    finally:
        await consumer.stop()


async def _committed(kafka: KafkaSettings, group: str, topic: str) -> dict[int, int]:
    admin = AIOKafkaAdminClient(**client_options(kafka))
    await admin.start()
    try:
        found = await admin.list_consumer_group_offsets(group)
        return {tp.partition: meta.offset for tp, meta in found.items() if tp.topic == topic}
    finally:
        await admin.close()


async def swept(kafka: KafkaSettings, day: date, timeout_s: float = 90) -> None:
    """Close ``day`` and return once the scheduler has committed its offsets past every
    partition's close.

    The scheduler commits a record's offset only once every output it published for it is
    acknowledged (its commit gate), so what it decided that day is on the broker when this
    returns: reading a topic then shows all of it, and the absence of a request means none.
    """
    topic = kafka.topics.loan_events
    await publish_items(kafka, closes(day))
    ends = await _ends(kafka, topic)
    group = scheduler_group(kafka)

    async def committed() -> bool:
        done = await _committed(kafka, group, topic)
        return all(done.get(p, -1) >= end for p, end in ends.items())

    await eventually(committed, timeout_s=timeout_s)
