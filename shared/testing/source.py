"""An in-memory :class:`~shared.ports.EventSource`: one group member reading partitioned logs.

It behaves as the broker does for the consume loop: records are read from each partition's
position, :meth:`~InMemorySource.seek` moves it back, commits are kept per partition, and a
(re)start or a rebalance reads on from the committed offsets. Tests append records, run the
loop and look at :attr:`~InMemorySource.committed` and :attr:`~InMemorySource.commits`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import zlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from shared.errors import PartitionsLost
from shared.events import Event, KafkaRecord, encode
from shared.ports import OnRevoked, Partition


@dataclass(frozen=True)
class InMemoryRecord:
    """A consumed record (:class:`~shared.ports.Record`)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]
    timestamp: int  # milliseconds since the epoch


async def _nothing_revoked() -> None:
    return None


class InMemorySource:
    """:class:`~shared.ports.EventSource` over in-memory logs with ``partitions`` per topic."""

    def __init__(self, partitions: int = 1) -> None:
        self._partitions = partitions
        self._logs: dict[Partition, list[InMemoryRecord]] = {}
        self._positions: dict[Partition, int] = {}
        self._assigned: frozenset[Partition] = frozenset()
        self._on_revoked: OnRevoked = _nothing_revoked
        self._lost: frozenset[Partition] = frozenset()
        self._arrived = asyncio.Event()
        #: The committed offset (the next one to read) of each partition.
        self.committed: dict[Partition, int] = {}
        #: Every commit, in order.
        self.commits: list[tuple[Partition, int]] = []
        self.started = False

    def append(self, topic: str, record: KafkaRecord, partition: int | None = None) -> Partition:
        """Add a record as a producer would (by default the partition follows the key)."""
        if partition is None:
            partition = zlib.crc32(record.key or b"") % self._partitions
        tp = Partition(topic, partition)
        log = self._logs.setdefault(tp, [])
        stamp = int(time.time() * 1000)
        log.append(
            InMemoryRecord(
                topic, partition, len(log), record.key, record.value, record.headers, stamp
            )
        )
        self._arrived.set()
        return tp

    def append_event(self, topic: str, event: Event) -> Partition:
        """Add an event, encoded as every Dunwell publisher encodes it."""
        return self.append(topic, encode(event, source="/dunwell/test"))

    def records(self, tp: Partition) -> list[InMemoryRecord]:
        """Everything appended to one partition."""
        return list(self._logs.get(tp, []))

    async def start(self, topics: Sequence[str], on_revoked: OnRevoked) -> None:
        self._on_revoked = on_revoked
        self._assign(Partition(topic, n) for topic in topics for n in range(self._partitions))
        self.started = True

    async def stop(self) -> None:
        self.started = False
        self._assigned = frozenset()

    async def rebalance(self, keep: Collection[Partition]) -> None:
        """The group takes every partition but ``keep`` away, once the loop's hook allows."""
        await self._on_revoked()
        self._assign(keep)

    def drop(self) -> None:
        """The group gives every partition to another member without asking the loop, as when
        this one misses its heartbeats; they come back (from their committed offsets) at the
        next poll, as when the member rejoins."""
        self._lost = self._assigned
        self._assigned = frozenset()

    def _assign(self, partitions: Iterable[Partition]) -> None:
        self._assigned = frozenset(partitions)
        # A newly assigned partition is read from its committed offset, as Kafka does.
        self._positions = {tp: self.committed.get(tp, 0) for tp in self._assigned}

    async def getmany(
        self, timeout_s: float, max_records: int, partitions: Collection[Partition] = ()
    ) -> Mapping[Partition, Sequence[InMemoryRecord]]:
        if self._lost:
            self._assign(self._lost)
            self._lost = frozenset()
        if not self._waiting():
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout_s)
        batches: dict[Partition, list[InMemoryRecord]] = {}
        for tp in sorted(self._assigned):
            if partitions and tp not in partitions:
                continue
            if max_records <= 0:
                break
            taken = self._logs.get(tp, [])[self._positions[tp] :][:max_records]
            if taken:
                batches[tp] = taken
                self._positions[tp] += len(taken)
                max_records -= len(taken)
        return batches

    def _waiting(self) -> bool:
        return any(len(self._logs.get(tp, [])) > self._positions[tp] for tp in self._assigned)

    def seek(self, partition: Partition, offset: int) -> None:
        if partition not in self._assigned:
            raise RuntimeError(f"{partition} is not assigned to this member")
        self._positions[partition] = offset

    async def commit(self, offsets: Mapping[Partition, int]) -> None:
        if lost := self._lost.intersection(offsets):
            raise PartitionsLost(f"{sorted(lost)} were given to another member")
        for tp, offset in offsets.items():
            if tp not in self._assigned:
                raise RuntimeError(f"commit of {tp}, which is not assigned to this member")
            self.committed[tp] = offset
            self.commits.append((tp, offset))

    def assignment(self) -> frozenset[Partition]:
        return self._assigned
