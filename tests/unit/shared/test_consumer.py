"""The consume loop's rules on the in-memory source: commit, seek, retry, dead-letter,
rebalance, keys side by side, one flush per poll before commit, and a bug stops the loop.

The same loop on the real broker: ``tests/integration/test_consume_loop.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from shared import deadletter
from shared.consumer import ConsumeLoop, ConsumerConfig
from shared.errors import InvalidEvent, RetryableError
from shared.events import KafkaRecord
from shared.metrics import COMMITS_REFUSED
from shared.ports import Partition
from shared.testing.memory import InMemoryEventPublisher
from shared.testing.source import InMemoryRecord, InMemorySource
from shared.topics import dead_letter

TOPIC = "ns.dunwell.contact-requests.v1"
P0 = Partition(TOPIC, 0)
Handler = Callable[[InMemoryRecord], Awaitable[None]]
Loop = ConsumeLoop[InMemoryRecord]


def config(**overrides: object) -> ConsumerConfig:
    fields: dict[str, object] = {"service": "test", "group_id": "g", "topics": (TOPIC,)}
    fields.update(poll_timeout_s=0.005, **overrides)
    return ConsumerConfig(**fields)  # type: ignore[arg-type]


def add(source: InMemorySource, *values: bytes, key: bytes = b"k", partition: int = 0) -> None:
    for value in values:
        source.append(TOPIC, KafkaRecord(key=key, value=value, headers=()), partition=partition)


async def until(check: Callable[[], bool], timeout_s: float = 5) -> None:
    async with asyncio.timeout(timeout_s):
        while True:
            if check():
                return
            await asyncio.sleep(0.001)


class Fixture:
    def __init__(self, partitions: int = 1) -> None:
        self.source = InMemorySource(partitions)
        self.dead_letters = InMemoryEventPublisher()
        self.seen: list[bytes] = []

    def loop(
        self, handler: Handler, flush: Callable[[], Awaitable[None]] | None = None, **over: object
    ) -> Loop:
        return ConsumeLoop(self.source, config(**over), handler, self.dead_letters, flush)

    async def record(self, r: InMemoryRecord) -> None:
        assert r.value is not None
        if r.value.startswith(b"bad"):
            raise InvalidEvent(f"schema: {r.value.decode()}")
        self.seen.append(r.value)

    @asynccontextmanager
    async def running(self, loop: Loop) -> AsyncIterator[asyncio.Task[None]]:
        await loop.start()
        task = asyncio.create_task(loop.run())
        try:
            yield task
        finally:
            await loop.stop(grace_s=1)
            await asyncio.gather(task, return_exceptions=True)


@pytest.fixture
def f() -> Fixture:
    return Fixture()


class TestCommit:
    async def test_records_are_handled_in_order_and_the_next_offset_committed(
        self, f: Fixture
    ) -> None:
        add(f.source, b"a", b"b", b"c")
        async with f.running(f.loop(f.record)):
            await until(lambda: f.source.committed.get(P0) == 3)
        assert f.seen == [b"a", b"b", b"c"]

    async def test_a_new_member_resumes_after_the_committed_offsets(self, f: Fixture) -> None:
        add(f.source, b"a", b"b")
        async with f.running(f.loop(f.record)):
            await until(lambda: f.source.committed.get(P0) == 2)
        add(f.source, b"c")
        async with f.running(f.loop(f.record)):
            await until(lambda: f.source.committed.get(P0) == 3)
        assert f.seen == [b"a", b"b", b"c"]

    async def test_stop_finishes_the_in_flight_record_and_commits_it(self, f: Fixture) -> None:
        add(f.source, b"slow")
        started = asyncio.Event()

        async def slow(r: InMemoryRecord) -> None:
            started.set()
            await asyncio.sleep(0.05)  # an SMTP call in flight when SIGTERM arrives
            await f.record(r)

        loop = f.loop(slow)
        await loop.start()
        task = asyncio.create_task(loop.run())
        await started.wait()
        await loop.stop(grace_s=1)
        await task
        assert (f.seen, f.source.committed) == ([b"slow"], {P0: 1})
        assert not f.source.started


class TestDeadLetter:
    async def test_bad_records_are_dead_lettered_the_rest_processed_all_committed(
        self, f: Fixture
    ) -> None:
        add(f.source, b"a", b"bad-1", b"c")
        async with f.running(f.loop(f.record)):
            await until(lambda: f.source.committed.get(P0) == 3)
        assert f.seen == [b"a", b"c"]
        [letter] = f.dead_letters.records[dead_letter(TOPIC)]
        assert letter.value == b"bad-1"
        headers = list(letter.headers)
        assert deadletter.header(headers, deadletter.REASON_CODE) == "invalid_event"
        assert deadletter.header(headers, deadletter.SOURCE_OFFSET) == "1"


class TestRetry:
    async def test_a_transient_failure_seeks_back_and_skips_nothing(self, f: Fixture) -> None:
        add(f.source, b"a", b"b", b"c")
        failures = {b"b": 2}

        async def flaky(r: InMemoryRecord) -> None:
            assert r.value is not None
            if failures.get(r.value, 0) > 0:
                failures[r.value] -= 1
                raise RetryableError("database briefly unavailable", defer_s=0.001)
            await f.record(r)

        async with f.running(f.loop(flaky)):
            await until(lambda: f.source.committed.get(P0) == 3)
        assert f.seen == [b"a", b"b", b"c"]
        # What came before the failure was committed before the retry.
        assert f.source.commits == [(P0, 1), (P0, 3)]

    async def test_the_pause_is_capped(self, f: Fixture) -> None:
        add(f.source, b"a")
        failed: list[bytes] = []

        async def once(r: InMemoryRecord) -> None:
            if not failed:
                failed.append(b"x")
                raise RetryableError("broker away", defer_s=3600)
            await f.record(r)

        async with f.running(f.loop(once, max_retry_pause_s=0.01)):
            await until(lambda: f.seen == [b"a"], timeout_s=2)


class TestFlush:
    async def test_the_batch_is_flushed_before_its_offsets_are_committed(self, f: Fixture) -> None:
        add(f.source, b"a", b"b")
        staged: list[bytes] = []
        flushed: list[tuple[list[bytes], int]] = []

        async def stage(r: InMemoryRecord) -> None:
            assert r.value is not None
            staged.append(r.value)

        async def flush() -> None:
            flushed.append((list(staged), len(f.source.commits)))

        async with f.running(f.loop(stage, flush=flush)):
            await until(lambda: f.source.committed.get(P0) == 2)
        assert flushed == [([b"a", b"b"], 0)]
        assert f.source.commits == [(P0, 2)]

    async def test_a_failed_flush_redelivers_the_whole_batch(self, f: Fixture) -> None:
        add(f.source, b"a", b"b")
        staged: list[bytes] = []
        failed: list[bool] = []

        async def stage(r: InMemoryRecord) -> None:
            assert r.value is not None
            staged.append(r.value)

        async def flush() -> None:
            if not failed:
                failed.append(True)
                raise RetryableError("database away", defer_s=0.001)

        async with f.running(f.loop(stage, flush=flush)):
            await until(lambda: f.source.committed.get(P0) == 2)
        assert staged == [b"a", b"b", b"a", b"b"]
        assert f.source.commits == [(P0, 2)]


class TestFlushPerPoll:
    """One flush for a whole poll, every partition of the staged topics in it."""

    @staticmethod
    def two_partitions() -> Fixture:
        f = Fixture(partitions=2)
        add(f.source, b"a0", b"b0", partition=0)
        add(f.source, b"a1", partition=1)
        return f

    async def test_one_flush_covers_every_partition_then_one_commit(self) -> None:
        f = self.two_partitions()
        flushes: list[tuple[list[bytes], int]] = []

        async def flush() -> None:
            flushes.append((sorted(f.seen), len(f.source.commits)))

        async with f.running(f.loop(f.record, flush=flush)):
            await until(lambda: len(f.source.committed) == 2)
        assert flushes == [([b"a0", b"a1", b"b0"], 0)]
        assert sorted(f.source.commits) == [(P0, 2), (Partition(TOPIC, 1), 1)]

    async def test_a_failed_flush_reads_every_partition_of_the_poll_again(self) -> None:
        f = self.two_partitions()
        failures: list[bool] = []

        async def flush() -> None:
            if not failures:
                failures.append(True)
                raise RetryableError("database away", defer_s=0.001)

        async with f.running(f.loop(f.record, flush=flush)):
            await until(lambda: len(f.source.committed) == 2)
        assert sorted(f.seen) == [b"a0", b"a0", b"a1", b"a1", b"b0", b"b0"]
        assert sorted(f.source.commits) == [(P0, 2), (Partition(TOPIC, 1), 1)]

    async def test_a_bug_among_staged_records_commits_none_of_the_poll(self) -> None:
        f = self.two_partitions()
        add(f.source, b"boom", partition=1)

        async def buggy(r: InMemoryRecord) -> None:
            if r.value == b"boom":
                raise KeyError("a bug")
            await f.record(r)

        async def flush() -> None:
            return None

        loop = f.loop(buggy, flush=flush)
        await loop.start()
        with pytest.raises(KeyError):
            await asyncio.wait_for(loop.run(), 5)
        assert f.source.committed == {}

    async def test_topics_not_staged_are_handled_and_committed_on_their_own(self) -> None:
        f = Fixture()
        other = "ns.dunwell.customer-events.v1"
        f.source.append(other, KafkaRecord(key=b"k", value=b"d", headers=()))
        add(f.source, b"r")
        flushed: list[list[bytes]] = []

        async def flush() -> None:
            flushed.append(list(f.seen))

        loop = f.loop(f.record, flush=flush, topics=(TOPIC, other), staged_topics=(other,))
        async with f.running(loop):
            await until(lambda: len(f.source.committed) == 2)
        assert sorted(f.source.commits) == [(P0, 1), (Partition(other, 0), 1)]
        assert len(flushed) == 1
        assert b"d" in flushed[0]


class TestLargerStagedPolls:
    """A poll with staged records takes more of them, up to ``staged_max_batch``, in one
    flush; the other topics keep ``max_batch``."""

    async def test_staged_records_fill_one_flush_and_the_others_keep_their_bound(self) -> None:
        f = Fixture(partitions=2)
        other = "ns.dunwell.customer-events.v1"
        for n in range(7):
            for p in (0, 1):
                record = KafkaRecord(key=b"k", value=f"d{p}-{n}".encode(), headers=())
                f.source.append(other, record, partition=p)
        add(f.source, b"r0", b"r1", b"r2", b"r3", b"r4")
        flushed: list[list[bytes]] = []

        async def flush() -> None:
            flushed.append([v for v in f.seen if v.startswith(b"d")])
            f.seen.clear()

        loop = f.loop(
            f.record,
            flush=flush,
            topics=(other, TOPIC),
            staged_topics=(other,),
            max_batch=3,
            staged_max_batch=10,
        )
        async with f.running(loop):
            await until(lambda: sum(len(b) for b in flushed) == 14)
            await until(lambda: f.source.committed.get(P0) == 5)
        # The first poll's three staged records topped up to ten, the next took the rest.
        assert [len(b) for b in flushed] == [10, 4]
        for p in (0, 1):
            mine = [v for b in flushed for v in b if v.startswith(f"d{p}-".encode())]
            assert mine == [f"d{p}-{n}".encode() for n in range(7)]  # each partition in order
        requests = [c for c in f.source.commits if c[0] == P0]
        assert requests == [(P0, 3), (P0, 5)]  # the other topic: three a poll, as before
        assert f.source.committed[Partition(other, 0)] == 7


class TestBug:
    async def test_a_bug_stops_the_loop_uncommitted_and_is_never_retried(self, f: Fixture) -> None:
        add(f.source, b"a", b"b")
        calls: list[bytes] = []

        async def buggy(r: InMemoryRecord) -> None:
            assert r.value is not None
            calls.append(r.value)
            if r.value == b"b":
                raise KeyError("loan")

        loop = f.loop(buggy)
        await loop.start()
        with pytest.raises(KeyError):
            await asyncio.wait_for(loop.run(), 5)
        assert calls == [b"a", b"b"]
        assert f.source.committed == {P0: 1}
        assert f.dead_letters.records == {}

    async def test_a_bug_among_keys_side_by_side_wins_over_a_retry(self, f: Fixture) -> None:
        add(f.source, b"retry", key=b"k1")
        add(f.source, b"bug", key=b"k2")

        async def mixed(r: InMemoryRecord) -> None:
            if r.value == b"retry":
                raise RetryableError("transient", defer_s=0.001)
            raise ValueError("a bug")

        loop = f.loop(mixed, key_concurrency=4)
        await loop.start()
        with pytest.raises(ValueError, match="a bug"):
            await asyncio.wait_for(loop.run(), 5)
        assert f.source.committed == {}


class TestKeys:
    async def test_keys_go_side_by_side_each_in_order_and_a_retry_redelivers_the_batch(
        self,
    ) -> None:
        f = Fixture(partitions=2)
        for n in range(40):
            add(f.source, b"%d" % n, key=b"d%d" % (n % 4), partition=n % 2)
        order: dict[bytes | None, list[bytes]] = {}
        running, peak, failed_once = [0], [0], list[bytes]()

        async def handler(r: InMemoryRecord) -> None:
            assert r.value is not None
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            try:
                await asyncio.sleep(0.001)
                if r.value == b"7" and not failed_once:
                    failed_once.append(r.value)
                    raise RetryableError("transient", defer_s=0.001)
                seen = order.setdefault(r.key, [])
                if r.value not in seen:
                    seen.append(r.value)
            finally:
                running[0] -= 1

        loop = f.loop(handler, concurrent_partitions=True, key_concurrency=8)
        async with f.running(loop):
            await until(lambda: sum(len(v) for v in order.values()) == 40)
        for key, seen in order.items():
            assert key is not None
            assert seen == [b"%d" % n for n in range(40) if b"d%d" % (n % 4) == key]
        assert peak[0] > 1
        assert failed_once == [b"7"]
        assert f.source.committed == {Partition(TOPIC, 0): 20, Partition(TOPIC, 1): 20}


class TestRebalance:
    async def test_partitions_are_taken_only_after_the_batch_is_committed(self, f: Fixture) -> None:
        add(f.source, b"a", b"b")
        release = asyncio.Event()
        handling = asyncio.Event()

        async def held(r: InMemoryRecord) -> None:
            handling.set()
            await release.wait()
            await f.record(r)

        async with f.running(f.loop(held)):
            await handling.wait()
            rebalance = asyncio.create_task(f.source.rebalance(keep=()))
            await asyncio.sleep(0.01)
            assert not rebalance.done(), "partitions were revoked mid-batch"
            release.set()
            await asyncio.wait_for(rebalance, 5)
            assert f.source.committed == {P0: 2}
            assert f.source.assignment() == frozenset()

    async def test_a_partition_assigned_again_is_read_from_its_committed_offset(
        self, f: Fixture
    ) -> None:
        add(f.source, b"a")
        async with f.running(f.loop(f.record)):
            await until(lambda: f.source.committed.get(P0) == 1)
            await f.source.rebalance(keep=())
            await f.source.rebalance(keep=(P0,))
            add(f.source, b"b")
            await until(lambda: f.source.committed.get(P0) == 2)
        assert f.seen == [b"a", b"b"]

    @pytest.mark.parametrize("staged", [False, True], ids=["per_partition", "group_commit"])
    async def test_a_commit_refused_after_losing_the_partitions_reads_them_again_and_runs_on(
        self, f: Fixture, staged: bool
    ) -> None:
        add(f.source, b"a", b"b")
        flushes: list[int] = []

        async def flush() -> None:
            flushes.append(len(f.seen))

        async def dropped_mid_batch(r: InMemoryRecord) -> None:
            await f.record(r)
            if len(f.seen) == 1:
                f.source.drop()  # the member missed its heartbeats while handling

        refused = COMMITS_REFUSED.labels("test", TOPIC)
        before = refused._value.get()
        async with f.running(f.loop(dropped_mid_batch, flush if staged else None)) as task:
            await until(lambda: f.source.committed.get(P0) == 2)
            add(f.source, b"c")
            await until(lambda: f.source.committed.get(P0) == 3)
            assert not task.done()
        # Nothing was committed by the refused commit; its records came round again.
        assert f.seen == [b"a", b"b", b"a", b"b", b"c"]
        assert f.source.commits == [(P0, 2), (P0, 3)]
        assert refused._value.get() == before + 1
        assert bool(flushes) is staged


class TestHealth:
    async def test_ready_once_started_and_not_once_stopping(self, f: Fixture) -> None:
        loop = f.loop(f.record)
        assert (loop.ready(), loop.alive()) == (False, True)
        async with f.running(loop):
            assert loop.ready()
        assert not loop.ready()

    async def test_a_loop_that_stops_polling_is_not_alive(self, f: Fixture) -> None:
        loop = f.loop(f.record, stall_after_s=0.0)
        assert not loop.alive()
