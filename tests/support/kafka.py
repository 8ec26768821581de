"""Reading a whole topic from the real broker, for end-to-end checks."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from shared.kafka import client_options
from shared.settings import KafkaSettings


async def read_topic(
    kafka: KafkaSettings, topic: str, *, committed: bool = True
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of ``topic`` up to its current end: only those of committed transactions, or
    (``committed=False``) every record written, open and aborted transactions' too."""
    consumer = AIOKafkaConsumer(
        **client_options(kafka),
        enable_auto_commit=False,
        group_id=None,
        isolation_level="read_committed" if committed else "read_uncommitted",
    )
    await consumer.start()
    try:
        assigned = [TopicPartition(topic, p) for p in sorted(await _partitions(consumer, topic))]
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        ends = await consumer.end_offsets(assigned)
        found: list[ConsumerRecord[bytes, bytes]] = []
        while [tp for tp in assigned if await consumer.position(tp) < ends[tp]]:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                found.extend(records)
        return found
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str, timeout_s: float = 15) -> set[int]:
    """The topic's partitions, asked again while a broker under load answers with metadata that
    does not list them yet (the topic itself exists: the tests create theirs first)."""
    async with asyncio.timeout(timeout_s):
        while True:
            cluster = await consumer._client.fetch_all_metadata()
            if partitions := cluster.partitions_for_topic(topic):
                return set(partitions)
            await asyncio.sleep(0.2)
