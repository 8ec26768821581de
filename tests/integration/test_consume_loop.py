"""The contract of the aiokafka event source: the shared consume loop on the real broker
(commit, dead-letter, retry, resume, keys side by side); the same rules run on the in-memory
source in ``tests/unit/shared/test_consumer.py``."""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import Awaitable, Callable

import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord

from shared import deadletter
from shared.consumer import ConsumeLoop, ConsumerConfig
from shared.errors import PartitionsLost, RetryableError
from shared.events import ContactRequested, KafkaRecord, decode, encode
from shared.kafka import KafkaEventPublisher, client_options
from shared.kafka_source import AiokafkaSource, KafkaConsumerRecord
from shared.ports import Partition
from shared.settings import KafkaSettings
from shared.testing.factories import contact_request
from shared.topics import dead_letter
from tests.polling import eventually

pytestmark = pytest.mark.broker
Handler = Callable[[ConsumerRecord[bytes, bytes]], Awaitable[None]]


KafkaLoop = ConsumeLoop[KafkaConsumerRecord]


def kafka_loop(
    kafka: KafkaSettings, config: ConsumerConfig, handler: Handler, publisher: KafkaEventPublisher
) -> KafkaLoop:
    source = AiokafkaSource(kafka, group_id=config.group_id, service=config.service)
    return ConsumeLoop(source, config, handler, publisher)


async def run_until(loop: KafkaLoop, done: Callable[[], bool], timeout_s: float = 30) -> None:
    task = asyncio.create_task(loop.run())
    try:
        await eventually(done, timeout_s)
    finally:
        await loop.stop(grace_s=5)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def started(
    kafka: KafkaSettings, group: str, handler: Handler, publisher: KafkaEventPublisher
) -> KafkaLoop:
    config = ConsumerConfig(service="test", group_id=group, topics=(kafka.topics.contact_requests,))
    loop = kafka_loop(kafka, config, handler, publisher)
    await loop.start()
    return loop


async def read_all(
    kafka: KafkaSettings, topic: str, expect: int
) -> list[ConsumerRecord[bytes, bytes]]:
    consumer = AIOKafkaConsumer(
        topic,
        **client_options(kafka),
        auto_offset_reset="earliest",
        group_id=None,
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[ConsumerRecord[bytes, bytes]] = []
    try:
        async with asyncio.timeout(30):
            while len(found) < expect:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    found.extend(records)
    finally:
        await consumer.stop()
    return found


async def test_bad_records_are_dead_lettered_and_the_rest_processed_and_committed(
    kafka: KafkaSettings, publisher: KafkaEventPublisher
) -> None:
    topic, group = kafka.topics.contact_requests, f"g-{secrets.token_hex(3)}"
    first, last = contact_request(debtor_id="d1"), contact_request(debtor_id="d1")
    await publisher.publish(topic, first)
    await publisher.publish_record(topic, KafkaRecord(key=b"d1", value=b'{"oops', headers=()))
    await publisher.publish(topic, last)
    seen: list[str] = []

    async def handle(record: ConsumerRecord[bytes, bytes]) -> None:
        seen.append(decode(record.value, list(record.headers)).event_id)

    loop = await started(kafka, group, handle, publisher)
    await run_until(loop, lambda: len(seen) == 2)
    assert seen == [first.event_id, last.event_id]
    [dlq] = await read_all(kafka, dead_letter(topic), expect=1)
    assert dlq.value == b'{"oops'
    headers = list(dlq.headers)
    assert deadletter.header(headers, deadletter.REASON_CODE) == "invalid_event"
    assert deadletter.header(headers, deadletter.SOURCE_TOPIC) == topic

    # A new member of the same group resumes after the committed offsets.
    later = contact_request(debtor_id="d1")
    await publisher.publish(topic, later)
    resumed: list[str] = []

    async def handle_again(record: ConsumerRecord[bytes, bytes]) -> None:
        resumed.append(decode(record.value, list(record.headers)).event_id)

    loop = await started(kafka, group, handle_again, publisher)
    await run_until(loop, lambda: len(resumed) >= 1)
    assert resumed == [later.event_id]


async def test_a_transient_failure_is_retried_without_skipping(
    kafka: KafkaSettings, publisher: KafkaEventPublisher
) -> None:
    topic = kafka.topics.contact_requests
    events = [contact_request(debtor_id="d2") for _ in range(3)]
    for event in events:
        await publisher.publish(topic, event)
    seen: list[str] = []
    failures = {events[1].event_id: 2}

    async def flaky(record: ConsumerRecord[bytes, bytes]) -> None:
        event_id = decode(record.value, list(record.headers)).event_id
        if failures.get(event_id, 0) > 0:
            failures[event_id] -= 1
            raise RetryableError("database briefly unavailable", defer_s=0.1)
        seen.append(event_id)

    loop = await started(kafka, f"g-{secrets.token_hex(3)}", flaky, publisher)
    await run_until(loop, lambda: len(seen) == 3)
    assert seen == [e.event_id for e in events]


async def test_published_records_carry_cloudevents_headers(
    kafka: KafkaSettings, publisher: KafkaEventPublisher
) -> None:
    event = contact_request()
    await publisher.publish(kafka.topics.contact_requests, event)
    [record] = await read_all(kafka, kafka.topics.contact_requests, expect=1)
    assert record.key == event.debtor_id.encode()
    assert dict(record.headers)["ce_source"] == b"/dunwell/test"
    assert decode(record.value, list(record.headers)) == event
    assert encode(event, source="/dunwell/test").value == record.value


async def test_stop_finishes_the_in_flight_record_and_commits_it(
    kafka: KafkaSettings, publisher: KafkaEventPublisher
) -> None:
    topic, group = kafka.topics.contact_requests, f"g-{secrets.token_hex(3)}"
    first, second = contact_request(debtor_id="d3"), contact_request(debtor_id="d3")
    await publisher.publish(topic, first)
    started_handling, finished = asyncio.Event(), []

    async def slow(record: ConsumerRecord[bytes, bytes]) -> None:
        started_handling.set()
        await asyncio.sleep(1.0)  # an SMTP call in flight when SIGTERM arrives
        finished.append(decode(record.value, list(record.headers)).event_id)

    loop = await started(kafka, group, slow, publisher)
    task = asyncio.create_task(loop.run())
    await asyncio.wait_for(started_handling.wait(), 30)
    await loop.stop(grace_s=10)  # stop fetching, finish in-flight, commit, close
    await asyncio.wait_for(task, 10)
    assert finished == [first.event_id]

    await publisher.publish(topic, second)
    resumed: list[str] = []

    async def record_ids(record: ConsumerRecord[bytes, bytes]) -> None:
        resumed.append(decode(record.value, list(record.headers)).event_id)

    loop = await started(kafka, group, record_ids, publisher)
    await run_until(loop, lambda: len(resumed) >= 1)
    assert resumed == [second.event_id], "the in-flight record was not committed at shutdown"


async def test_keys_go_side_by_side_each_in_order_and_a_retry_redelivers_the_batch(
    kafka: KafkaSettings, publisher: KafkaEventPublisher
) -> None:
    topic, group = kafka.topics.contact_requests, f"g-{secrets.token_hex(3)}"
    requests = [contact_request(debtor_id=f"d{n % 4}") for n in range(40)]
    for request in requests:
        await publisher.publish(topic, request)
    order: dict[str, list[str]] = {}
    running, peak = [0], [0]
    failed_once: set[str] = set()

    async def handler(record: ConsumerRecord[bytes, bytes]) -> None:
        event = decode(record.value, list(record.headers))
        running[0] += 1
        peak[0] = max(peak[0], running[0])
        try:
            await asyncio.sleep(0.01)
            if event.event_id == requests[7].event_id and event.event_id not in failed_once:
                failed_once.add(event.event_id)
                raise RetryableError("transient", defer_s=0.1)
            assert isinstance(event, ContactRequested)
            seen = order.setdefault(event.debtor_id, [])
            if event.event_id not in seen:
                seen.append(event.event_id)
        finally:
            running[0] -= 1

    config = ConsumerConfig(
        service="test",
        group_id=group,
        topics=(topic,),
        concurrent_partitions=True,
        key_concurrency=8,
    )
    loop = kafka_loop(kafka, config, handler, publisher)
    await loop.start()
    await run_until(loop, lambda: sum(len(v) for v in order.values()) == len(requests))
    for debtor, seen in order.items():
        assert seen == [r.event_id for r in requests if r.debtor_id == debtor]
    assert peak[0] > 1  # different debtors were handled side by side
    assert failed_once == {requests[7].event_id}


async def test_a_poll_of_staged_records_takes_more_of_them_each_partition_in_order(
    kafka: KafkaSettings, publisher: KafkaEventPublisher
) -> None:
    staged, other = kafka.topics.customer_events, kafka.topics.contact_requests
    group = f"g-{secrets.token_hex(3)}"
    details = [contact_request(debtor_id=f"d{n % 6}") for n in range(60)]
    for event in details:
        await publisher.publish(staged, event)
    requests = [contact_request(debtor_id="r1") for _ in range(5)]
    for event in requests:
        await publisher.publish(other, event)
    held: list[str] = []
    flushes: list[list[str]] = []
    taken: list[str] = []

    async def handler(record: ConsumerRecord[bytes, bytes]) -> None:
        event = decode(record.value, list(record.headers))
        (held if record.topic == staged else taken).append(event.event_id)

    async def flush() -> None:
        flushes.append(list(held))
        held.clear()

    config = ConsumerConfig(
        service="test",
        group_id=group,
        topics=(staged, other),
        max_batch=4,
        staged_topics=(staged,),
        staged_max_batch=40,
    )
    source = AiokafkaSource(kafka, group_id=group, service="test")
    loop = ConsumeLoop(source, config, handler, publisher, flush=flush)
    await loop.start()
    await run_until(
        loop, lambda: sum(map(len, flushes)) == len(details) and len(taken) == len(requests)
    )
    assert max(map(len, flushes)) > 4  # topped up beyond max_batch
    assert all(len(f) <= 40 for f in flushes)
    by_debtor: dict[str, list[str]] = {}
    for event_id in (e for f in flushes for e in f):
        debtor = next(d.debtor_id for d in details if d.event_id == event_id)
        by_debtor.setdefault(debtor, []).append(event_id)
    for debtor, seen in by_debtor.items():  # a debtor's records share a partition: in order
        assert seen == [d.event_id for d in details if d.debtor_id == debtor]
    assert taken == [r.event_id for r in requests]


async def test_a_commit_after_the_group_gave_the_partitions_away_raises_partitions_lost(
    kafka: KafkaSettings, publisher: KafkaEventPublisher
) -> None:
    """A member that misses its heartbeats (its loop held up past the session timeout) while
    another joins loses its partitions; its late commit is refused as PartitionsLost, which
    the consume loop takes in its stride, and the member reads again after rejoining."""
    topic, group = kafka.topics.contact_requests, f"g-{secrets.token_hex(3)}"
    for debtor in ("d7", "d8", "d9"):
        await publisher.publish(topic, contact_request(debtor_id=debtor))
    late = AiokafkaSource(kafka, group_id=group, service="test")
    await late.start([topic], _nothing)
    leave = threading.Event()
    other = threading.Thread(
        target=asyncio.run, args=(_join_and_hold(kafka, group, leave),), daemon=True
    )
    try:
        held: dict[Partition, int] = {}
        async with asyncio.timeout(30):
            while not held:
                polled = await late.getmany(0.5, 100)
                held = {tp: rs[-1].offset + 1 for tp, rs in polled.items()}
        other.start()
        time.sleep(13)  # noqa: ASYNC251 - the loop held up: no heartbeats past the session timeout
        with pytest.raises(PartitionsLost):
            await late.commit(held)
        async with asyncio.timeout(30):
            while not await late.getmany(0.5, 100):
                pass  # rejoined: the uncommitted records come round again
    finally:
        leave.set()
        await late.stop()
    other.join(30)


async def _nothing() -> None:
    return None


async def _join_and_hold(kafka: KafkaSettings, group: str, done: threading.Event) -> None:
    """A second member: joins the group, polls (taking partitions) until told to leave."""
    source = AiokafkaSource(kafka, group_id=group, service="test-other")
    await source.start([kafka.topics.contact_requests], _nothing)
    try:
        while not done.is_set():
            await source.getmany(0.2, 100)
    finally:
        await source.stop()
