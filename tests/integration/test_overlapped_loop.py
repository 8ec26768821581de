"""The notifier's overlapped consume loop on the real broker: two polls under way at once,
a transient failure in one of them, and still every key in order, nothing skipped, every
offset committed (the same rules on the in-memory source:
``tests/unit/notifier/entrypoints/test_overlap.py``)."""

from __future__ import annotations

import asyncio
import secrets

import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from services.notifier.entrypoints.overlap import OverlappedConsumeLoop
from shared.consumer import ConsumerConfig
from shared.errors import RetryableError
from shared.events import ContactRequested, decode
from shared.kafka import KafkaEventPublisher, client_options
from shared.kafka_source import AiokafkaSource
from shared.ports import Partition
from shared.settings import KafkaSettings
from shared.testing.factories import contact_request
from tests.polling import eventually

pytestmark = pytest.mark.broker
COUNT, DEBTORS = 300, 20


async def committed(kafka: KafkaSettings, group: str, partitions: list[Partition]) -> int:
    consumer = AIOKafkaConsumer(**client_options(kafka), group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(p.topic, p.partition) for p in partitions]
        return sum([await consumer.committed(tp) or 0 for tp in tps])
    finally:
        await consumer.stop()


async def test_overlapped_polls_keep_each_key_in_order_skip_nothing_and_commit_all(
    kafka: KafkaSettings, publisher: KafkaEventPublisher
) -> None:
    topic, group = kafka.topics.contact_requests, f"g-{secrets.token_hex(3)}"
    requests = [contact_request(debtor_id=f"d{n % DEBTORS}") for n in range(COUNT)]
    for request in requests:
        await publisher.publish(topic, request)
    place = {r.event_id: n for n, r in enumerate(requests)}
    fail_once = {requests[57].event_id, requests[171].event_id}
    handled: list[int] = []
    out_of_order: list[int] = []

    async def handle(record: ConsumerRecord[bytes, bytes]) -> None:
        event = decode(record.value, list(record.headers))
        assert isinstance(event, ContactRequested)
        n = place[event.event_id]
        await asyncio.sleep(0.001 * (n % 7))  # keys finish out of step
        if event.event_id in fail_once:
            fail_once.discard(event.event_id)
            raise RetryableError("the database is restarting", defer_s=0.05)
        if any(m not in handled for m in range(n % DEBTORS, n, DEBTORS)):
            out_of_order.append(n)  # an earlier request of the debtor not handled yet
        handled.append(n)

    config = ConsumerConfig(
        service="test",
        group_id=group,
        topics=(topic,),
        max_batch=25,
        key_concurrency=50,
        concurrent_partitions=True,
    )
    source = AiokafkaSource(kafka, group_id=group, service="test")
    loop = OverlappedConsumeLoop(source, config, handle, publisher, overlap=2)
    await loop.start()
    task = asyncio.create_task(loop.run())
    try:
        await eventually(lambda: set(handled) == set(range(COUNT)), 60)
        partitions = sorted(source.assignment())
    finally:
        await loop.stop(grace_s=5)
        await asyncio.wait_for(task, 10)
    assert out_of_order == []
    assert not fail_once  # both failures happened, and their records were read again
    assert partitions
    assert await committed(kafka, group, partitions) == COUNT
