"""The overlapped consume loop on the in-memory source: the next poll is handled while the one
before it finishes, each key in order across polls, offsets committed in poll order and never
past a record read again after a transient failure."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from services.notifier.entrypoints.overlap import OverlappedConsumeLoop, consume_loop
from services.notifier.handlers.grouping import Grouped
from shared.consumer import ConsumeLoop
from shared.errors import RetryableError
from shared.events import KafkaRecord
from shared.testing.memory import InMemoryEventPublisher
from shared.testing.source import InMemoryRecord, InMemorySource
from tests.unit.shared.test_consumer import P0, TOPIC, config, until


def add(source: InMemorySource, key: bytes, *values: bytes) -> None:
    for value in values:
        source.append(TOPIC, KafkaRecord(key=key, value=value, headers=()), partition=0)


class Gated:
    """A handler that holds each value named in ``held`` until it is released."""

    def __init__(self, *held: bytes) -> None:
        self.gates = {v: asyncio.Event() for v in held}
        self.started: list[bytes] = []
        self.seen: list[bytes] = []
        self.fail_once: set[bytes] = set()

    async def __call__(self, record: InMemoryRecord) -> None:
        assert record.value is not None
        self.started.append(record.value)
        if record.value in self.gates:
            await self.gates[record.value].wait()
        if record.value in self.fail_once:
            self.fail_once.discard(record.value)
            raise RetryableError("the database is restarting", defer_s=0.01)
        self.seen.append(record.value)


def overlapped(
    source: InMemorySource, handler: Gated, max_batch: int
) -> OverlappedConsumeLoop[InMemoryRecord]:
    cfg = config(max_batch=max_batch, key_concurrency=50, concurrent_partitions=True)
    return OverlappedConsumeLoop(source, cfg, handler, InMemoryEventPublisher(), overlap=2)


async def running(loop: ConsumeLoop[InMemoryRecord]) -> asyncio.Task[None]:
    await loop.start()
    return asyncio.create_task(loop.run())


async def stopped(loop: ConsumeLoop[InMemoryRecord], task: asyncio.Task[None]) -> None:
    await loop.stop(grace_s=1)
    await asyncio.wait_for(task, 2)


async def test_the_next_poll_is_handled_while_the_one_before_finishes_and_commits_after_it() -> (
    None
):
    source = InMemorySource()
    handler = Gated(b"a1")
    add(source, b"a", b"a1")
    add(source, b"b", b"b1")  # the second poll (one record a poll)
    loop = overlapped(source, handler, max_batch=1)
    task = await running(loop)
    await until(lambda: handler.seen == [b"b1"])  # b1 done while a1 is still under way
    await asyncio.sleep(0.05)
    assert source.committed == {}  # the second poll waits for the first to commit
    handler.gates[b"a1"].set()
    await until(lambda: source.committed.get(P0) == 2)
    assert source.commits == [(P0, 1), (P0, 2)]  # in poll order
    await stopped(loop, task)


async def _a1_held_in_its_poll(
    source: InMemorySource, handler: Gated
) -> tuple[OverlappedConsumeLoop[InMemoryRecord], asyncio.Task[None]]:
    """Key a's records a1 and a2 and key b's b1, a poll each; running until a1 is started."""
    add(source, b"a", b"a1")
    add(source, b"a", b"a2")
    add(source, b"b", b"b1")
    loop = overlapped(source, handler, max_batch=1)
    task = await running(loop)
    await until(lambda: b"a1" in handler.started)
    return loop, task


async def test_a_key_s_record_in_the_next_poll_waits_for_the_one_before_it() -> None:
    source, handler = InMemorySource(), Gated(b"a1")
    loop, task = await _a1_held_in_its_poll(source, handler)
    await asyncio.sleep(0.05)
    assert b"a2" not in handler.started  # its key's record before it is not done
    handler.gates[b"a1"].set()
    await until(lambda: source.committed.get(P0) == 3)
    assert [v for v in handler.seen if v.startswith(b"a")] == [b"a1", b"a2"]
    await stopped(loop, task)


async def test_a_failed_record_is_read_again_before_its_key_s_next_one_and_nothing_skipped() -> (
    None
):
    source, handler = InMemorySource(), Gated(b"a1")
    handler.fail_once.add(b"a1")
    loop, task = await _a1_held_in_its_poll(source, handler)
    await asyncio.sleep(0.02)
    handler.gates[b"a1"].set()  # a1 fails: its poll is read again
    await until(lambda: source.committed.get(P0) == 3)
    by_key: dict[bytes, list[bytes]] = defaultdict(list)
    for value in handler.seen:
        by_key[value[:1]].append(value)
    assert by_key[b"a"][:2] == [b"a1", b"a2"]  # a2 never before a1
    assert set(handler.seen) == {b"a1", b"a2", b"b1"}
    assert all(offset <= 3 for _, offset in source.commits)
    committed = [offset for _, offset in source.commits]
    assert committed == sorted(committed)  # never back, never past a record read again
    await stopped(loop, task)


async def test_stop_waits_for_every_poll_under_way_and_commits_them() -> None:
    source = InMemorySource()
    handler = Gated(b"a1", b"b1")
    add(source, b"a", b"a1")
    add(source, b"b", b"b1")
    loop = overlapped(source, handler, max_batch=1)
    task = await running(loop)
    await until(lambda: handler.started == [b"a1", b"b1"])
    stopping = asyncio.create_task(loop.stop(grace_s=2))
    await asyncio.sleep(0.02)
    handler.gates[b"b1"].set()
    handler.gates[b"a1"].set()
    await asyncio.wait_for(stopping, 2)
    await asyncio.wait_for(task, 2)
    assert source.committed == {P0: 2}


def test_one_poll_at_a_time_is_the_plain_loop() -> None:
    source, handler = InMemorySource(), Gated()
    publisher = InMemoryEventPublisher()
    plain = consume_loop(source, config(key_concurrency=50), handler, publisher, None, 1)
    assert type(plain) is ConsumeLoop
    keyed = consume_loop(source, config(key_concurrency=50), handler, publisher, None, 2)
    assert isinstance(keyed, OverlappedConsumeLoop)
    assert type(consume_loop(source, config(), handler, publisher, None, 2)) is ConsumeLoop


async def test_grouped_batches_overlap_up_to_their_limit() -> None:
    running_now, most = 0, 0
    release = asyncio.Event()

    async def run(items: object) -> list[None]:
        nonlocal running_now, most
        running_now += 1
        most = max(most, running_now)
        await release.wait()
        running_now -= 1
        return [None] * len(items)  # type: ignore[arg-type]

    grouped: Grouped[int, None] = Grouped(run, overlap=2)
    first = [asyncio.create_task(grouped.submit(n)) for n in range(3)]
    await asyncio.sleep(0.01)
    second = [asyncio.create_task(grouped.submit(n)) for n in range(3)]
    await asyncio.sleep(0.01)
    third = asyncio.create_task(grouped.submit(9))
    await asyncio.sleep(0.01)
    assert most == 2  # the third batch waits for a slot
    release.set()
    await asyncio.wait_for(asyncio.gather(*first, *second, third), 1)
    assert most == 2


async def test_staged_records_of_several_partitions_are_flushed_one_poll_after_another() -> None:
    source = InMemorySource(partitions=2)
    staged: list[bytes] = []
    flushed: list[list[bytes]] = []

    async def stage(record: InMemoryRecord) -> None:
        assert record.value is not None
        staged.append(record.value)

    async def flush() -> None:
        flushed.append(sorted(staged))
        staged.clear()

    for n in range(12):
        record = KafkaRecord(key=b"k%d" % n, value=b"v%d" % n, headers=())
        source.append(TOPIC, record, partition=n % 2)
    cfg = config(
        max_batch=4, key_concurrency=50, concurrent_partitions=True, staged_topics=(TOPIC,)
    )
    loop = OverlappedConsumeLoop(source, cfg, stage, InMemoryEventPublisher(), flush, overlap=2)
    task = await running(loop)
    await until(lambda: sum(source.committed.values()) == 12)
    assert sum(len(f) for f in flushed) == 12
    assert all(len(f) <= 4 for f in flushed)  # each poll's own records, one flush each
    await stopped(loop, task)
