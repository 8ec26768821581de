"""The notifier's start-up directory catch-up (the Kafka directory feed) on the real broker:
it applies the contact details its group has not committed yet, and only those, and commits
nothing itself."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from services.notifier.adapters.directory_feed import KafkaDirectoryFeed
from shared.events import ContactDetailsChanged
from shared.kafka import KafkaEventPublisher, client_options
from shared.settings import KafkaSettings
from shared.testing.factories import contact_details

pytestmark = pytest.mark.broker
GROUP = "dunwell-notifier-catch-up-test"


async def _publish(kafka: KafkaSettings, count: int, prefix: str) -> None:
    publisher = KafkaEventPublisher(kafka, service="test")
    await publisher.start()
    try:
        for n in range(count):
            await publisher.publish(kafka.topics.customer_events, contact_details(f"{prefix}{n}"))
    finally:
        await publisher.aclose()


async def _catch_up(kafka: KafkaSettings) -> list[str]:
    seen: list[str] = []

    async def apply(batch: Sequence[ContactDetailsChanged]) -> None:
        seen.extend(details.debtor_id for details in batch)

    feed = KafkaDirectoryFeed(kafka, GROUP, kafka.topics.customer_events, timeout_s=30)
    applied = await feed.catch_up(apply)
    assert applied == len(seen)
    return sorted(seen)


async def _commit_all(kafka: KafkaSettings) -> None:
    consumer = AIOKafkaConsumer(**client_options(kafka), group_id=GROUP, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(kafka.topics.customer_events, p) for p in (0, 1)]
        ends = await consumer.end_offsets(tps)
        consumer.assign(tps)
        await consumer.commit(ends)
    finally:
        await consumer.stop()


async def test_catch_up_applies_what_the_group_has_not_committed(kafka: KafkaSettings) -> None:
    assert await _catch_up(kafka) == []  # an empty topic: nothing, at once
    await _publish(kafka, 6, "a")
    assert await _catch_up(kafka) == [f"a{n}" for n in range(6)]
    assert await _catch_up(kafka) == [f"a{n}" for n in range(6)]  # it committed nothing
    await _commit_all(kafka)  # the consume loop took these
    await _publish(kafka, 3, "b")
    assert await _catch_up(kafka) == ["b0", "b1", "b2"]
