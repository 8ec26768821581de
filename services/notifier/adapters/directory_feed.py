"""The directory feed on aiokafka: at start-up, the directory catches up before contact
requests are taken.

Contact details and contact requests arrive on two topics with no order between them. After a
restart, the requests' backlog would otherwise race the details' backlog and find borrowers
"unknown". This reads the customer-events topic from the group's committed offsets to the end
(nothing is committed: the consume loop reads the same records again, idempotently) before the
loop starts. It is bounded: a slow catch-up gives up and the loop starts anyway; a send whose
details are still missing is held until they arrive, never lost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from shared.customer_intake import decode_customer_event
from shared.errors import InvalidEvent, RetryableError
from shared.events import ContactDetailsChanged
from shared.kafka import client_options
from shared.settings import KafkaSettings

log = logging.getLogger(__name__)

#: Applies one batch of contact details (one poll's worth, in one transaction).
Apply = Callable[[Sequence[ContactDetailsChanged]], Awaitable[None]]


async def catch_up_directory(
    kafka: KafkaSettings, group_id: str, topic: str, apply: Apply, *, timeout_s: float
) -> int:
    """Apply every contact-details record not yet committed by ``group_id``; returns how many."""
    consumer = AIOKafkaConsumer(
        **client_options(kafka),
        group_id=group_id,
        enable_auto_commit=False,
        isolation_level="read_committed",
        client_id="dunwell-notifier-catch-up",
    )
    await consumer.start()
    try:
        return await asyncio.wait_for(_read_to_end(kafka, consumer, topic, apply), timeout_s)
    except TimeoutError:
        log.warning("directory catch-up stopped; continuing", extra={"timeout_s": timeout_s})
        return -1
    except (KafkaError, RetryableError) as e:  # held sends cover what is still missing
        log.warning("directory catch-up failed; continuing", extra={"error": type(e).__name__})
        return -1
    finally:
        await consumer.stop()


async def _partitions(kafka: KafkaSettings, topic: str) -> list[int]:
    admin = AIOKafkaAdminClient(**client_options(kafka), client_id="dunwell-notifier-catch-up")
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return sorted(int(p["partition"]) for t in described for p in t.get("partitions", []))


async def _read_to_end(
    kafka: KafkaSettings, consumer: AIOKafkaConsumer, topic: str, apply: Apply
) -> int:
    tps = [TopicPartition(topic, p) for p in await _partitions(kafka, topic)]
    if not tps:
        return 0
    consumer.assign(tps)
    for tp in tps:
        committed = await consumer.committed(tp)
        if committed is None:
            await consumer.seek_to_beginning(tp)
        else:
            consumer.seek(tp, committed)
    ends = await consumer.end_offsets(tps)
    applied, started = 0, time.monotonic()
    while not await _at_end(consumer, ends):
        batches = await consumer.getmany(timeout_ms=500, max_records=500)
        applied += await _apply_all([r for rs in batches.values() for r in rs], apply)
    log.info("directory caught up: %d record(s) in %.1f s", applied, time.monotonic() - started)
    return applied


async def _at_end(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return False
    return True


async def _apply_all(records: list[ConsumerRecord[bytes, bytes]], apply: Apply) -> int:
    """Apply a poll's contact details as one batch; how many."""
    found: list[ContactDetailsChanged] = []
    for record in records:
        try:
            event, _ = decode_customer_event(record.value, list(record.headers))
        except InvalidEvent:
            continue  # the consume loop dead-letters it with its reason
        if isinstance(event, ContactDetailsChanged):
            found.append(event)
    if found:
        await apply(found)
    return len(found)


class KafkaDirectoryFeed:
    """:class:`~services.notifier.ports.DirectoryFeed` reading the customer-events topic."""

    def __init__(self, kafka: KafkaSettings, group_id: str, topic: str, *, timeout_s: float):
        self._kafka, self._group_id, self._topic = kafka, group_id, topic
        self._timeout_s = timeout_s

    async def catch_up(self, apply: Apply) -> int:
        return await catch_up_directory(
            self._kafka, self._group_id, self._topic, apply, timeout_s=self._timeout_s
        )
