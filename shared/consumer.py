"""The at-least-once consume loop every aiokafka service runs, over any :class:`EventSource`.

Offsets are committed only after the handler's effect is durable. Records that can never be
processed go to ``<topic>.dlq`` with the reason (then their offset is committed); transient
failures seek back and retry after a pause; anything else is a bug and stops the service.
Shutdown order: stop fetching, finish the in-flight batch, commit, close. Each record's fate
is judged by :func:`shared.boundary.handle`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Generic

from prometheus_client import Counter, Histogram

from shared import boundary
from shared.errors import PartitionsLost, RetryableError
from shared.metrics import COMMITS_REFUSED, EVENTS_CONSUMED, HANDLER_SECONDS
from shared.ports import EventPublisher, EventSource, Partition, R

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsumerConfig:
    """What a service's consume loop reads and how."""

    service: str
    group_id: str
    topics: tuple[str, ...]
    max_batch: int = 200
    max_retry_pause_s: float = 30.0
    #: Liveness fails when no poll has completed for this long (a stuck loop).
    stall_after_s: float = 120.0
    #: Handle a batch's partitions concurrently (each partition still in order). Only for
    #: handlers without a group-commit flush whose records of one key share a partition.
    concurrent_partitions: bool = False
    #: Within a partition, handle up to this many keys side by side (each key's records in
    #: order); a transient failure redelivers the partition's whole batch. Handlers must be
    #: idempotent and own no ordering across keys. 1: strictly one record after another.
    key_concurrency: int = 1
    #: How long one poll waits for records; :meth:`ConsumeLoop.stop` is noticed within it.
    poll_timeout_s: float = 0.5
    #: With a flush: the topics whose records the handler stages for it (empty: every topic).
    #: A poll's staged records, across partitions, are flushed once, then committed at once.
    staged_topics: tuple[str, ...] = ()
    #: With a flush: a poll that brings records of the staged topics takes more of theirs, up
    #: to this many in all, from what is already fetched (one group commit for them all: a
    #: transaction's cost shared by more records); the other topics keep ``max_batch``.
    #: 0: ``max_batch`` for every topic.
    staged_max_batch: int = 0


class ConsumeLoop(Generic[R]):
    """Runs one consumer group member: poll, handle in order per partition, commit."""

    def __init__(
        self,
        source: EventSource[R],
        config: ConsumerConfig,
        handler: Callable[[R], Awaitable[None]],
        dead_letters: EventPublisher,
        flush: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """:param flush: for group commit: makes what the handler staged durable, once per poll
        for every partition of the staged topics, before their offsets are committed."""
        self._source = source
        self._config = config
        self._handler = handler
        self._flush = flush
        self._dead_letters = dead_letters
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopping = asyncio.Event()
        self._finished = asyncio.Event()
        self._started = False
        self._last_poll = time.monotonic()

    async def start(self) -> None:
        await self._source.start(self._config.topics, self._wait_for_batch)
        self._started = True

    async def _wait_for_batch(self) -> None:
        """Before partitions are taken away, let the in-flight batch finish and commit."""
        await self._idle.wait()

    def ready(self) -> bool:
        """Started and not shutting down."""
        return self._started and not self._stopping.is_set()

    def alive(self) -> bool:
        """Polling recently (or not started yet)."""
        return time.monotonic() - self._last_poll < self._config.stall_after_s

    async def run(self) -> None:
        """Poll and handle until :meth:`stop`; a bug propagates and ends the service."""
        try:
            await self._poll_until_stopped()
        finally:
            self._finished.set()

    async def _poll_until_stopped(self) -> None:
        config = self._config
        while not self._stopping.is_set():
            batches = await self._source.getmany(config.poll_timeout_s, config.max_batch)
            self._last_poll = time.monotonic()
            if not batches or self._stopping.is_set():
                # Records fetched after stop() are not handled: uncommitted, they are redelivered.
                continue
            self._idle.clear()
            try:
                await self._handle_poll(await self._top_up(batches))
            finally:
                self._idle.set()

    async def _handle_poll(self, batches: Mapping[Partition, Sequence[R]]) -> None:
        """One poll's records: the staged topics' as one group commit, the others partition by
        partition (side by side if configured)."""
        flush = self._flush
        staged = {tp: rs for tp, rs in batches.items() if flush and self._is_staged(tp.topic)}
        jobs = [self._handle_partition(tp, rs) for tp, rs in batches.items() if tp not in staged]
        if flush is not None and staged:
            jobs.append(self._handle_staged(staged, flush))
        if self._config.concurrent_partitions:
            await asyncio.gather(*jobs)
        else:
            for job in jobs:
                await job

    async def _top_up(
        self, batches: Mapping[Partition, Sequence[R]]
    ) -> Mapping[Partition, Sequence[R]]:
        """The poll with more of the staged topics' records already fetched, up to
        ``staged_max_batch`` of them (each partition's still in order); the others untouched.
        """
        if self._flush is None or not self._config.staged_max_batch:
            return batches
        staged = [tp for tp in self._source.assignment() if self._is_staged(tp.topic)]
        more = self._config.staged_max_batch
        more -= sum(len(rs) for tp, rs in batches.items() if self._is_staged(tp.topic))
        if not staged or more == self._config.staged_max_batch or more <= 0:  # none, enough
            return batches
        merged = {tp: list(rs) for tp, rs in batches.items()}
        while more > 0 and (extra := await self._source.getmany(0, more, staged)):
            for tp, rs in extra.items():
                merged.setdefault(tp, []).extend(rs)
                more -= len(rs)
        return merged

    def _is_staged(self, topic: str) -> bool:
        staged = self._config.staged_topics
        return not staged or topic in staged

    async def stop(self, grace_s: float) -> None:
        """Stop fetching, wait up to ``grace_s`` for the in-flight batch, then leave the group.

        :param grace_s: how long the in-flight batch may take.
        """
        self._stopping.set()
        if self._started:
            try:
                # The loop notices within one poll, then finishes its batch and commits.
                await asyncio.wait_for(
                    self._finished.wait(), grace_s + self._config.poll_timeout_s * 2
                )
            except TimeoutError:
                log.warning("in-flight batch did not finish within the grace period")
        await self._source.stop()

    async def _handle_partition(self, tp: Partition, records: Sequence[R]) -> None:
        done: int | None = None
        try:
            if self._config.key_concurrency > 1:
                await self._handle_by_key(records)
                done = records[-1].offset + 1
            else:
                for record in records:
                    await self._handle_one(record)
                    done = record.offset + 1
        except RetryableError as e:
            # The records before the failure are durable: only the rest is read again.
            await self._retry({tp: records[0].offset if done is None else done}, e)
        finally:
            if done is not None:
                # The next offset to read, as Kafka expects.
                await self._commit({tp: done})

    async def _handle_staged(
        self, batches: Mapping[Partition, Sequence[R]], flush: Callable[[], Awaitable[None]]
    ) -> None:
        """Group commit: every partition's records staged in order, one flush, one commit.

        Nothing is committed before the flush returns; a transient failure anywhere reads
        every partition's records again, and a bug commits none of them.
        """
        try:
            for records in batches.values():
                for record in records:
                    await self._handle_one(record)
            await flush()
        except RetryableError as e:
            await self._retry({tp: rs[0].offset for tp, rs in batches.items()}, e)
            return
        await self._commit({tp: rs[-1].offset + 1 for tp, rs in batches.items()})

    async def _commit(self, offsets: Mapping[Partition, int]) -> None:
        """Commit, unless the group has meanwhile given the partitions to another member: the
        effects are durable and idempotent, so the new owner reading them again is safe."""
        try:
            await self._source.commit(offsets)
        except PartitionsLost:
            log.warning("commit refused: the group gave these partitions to another member")
            for tp in offsets:
                COMMITS_REFUSED.labels(self._config.service, tp.topic).inc()

    async def _retry(self, positions: Mapping[Partition, int], error: RetryableError) -> None:
        """Read each partition again from ``positions`` after the error's pause."""
        for tp, offset in positions.items():
            log.warning(
                "transient failure; retrying", extra={"topic": tp.topic, "error": str(error)}
            )
            EVENTS_CONSUMED.labels(self._config.service, tp.topic, "retried").inc()
            self._source.seek(tp, offset)
        await asyncio.sleep(min(error.defer_s, self._config.max_retry_pause_s))

    async def _handle_by_key(self, records: Sequence[R]) -> None:
        groups: dict[bytes | None, list[R]] = {}
        for record in records:
            groups.setdefault(record.key, []).append(record)
        slots = asyncio.Semaphore(self._config.key_concurrency)

        async def in_order(group: list[R]) -> None:
            async with slots:
                for record in group:
                    await self._handle_one(record)

        outcomes = await asyncio.gather(
            *(in_order(g) for g in groups.values()), return_exceptions=True
        )
        raise_first_failure(outcomes)

    async def _handle_one(self, record: R) -> None:
        service, topic = self._config.service, record.topic
        boundary.observe_lag(service, record)
        seconds, processed = _series(service, topic)
        with seconds.time():
            match await boundary.handle(record, self._handler):
                case boundary.Done():
                    processed.inc()
                case boundary.DeadLetter(error):
                    await boundary.dead_letter(self._dead_letters, record, error, service=service)
                case boundary.Retry(error) | boundary.Bug(error):
                    # The partition's batch seeks back (retry) or the service stops (bug).
                    raise error


def raise_first_failure(outcomes: Sequence[object]) -> None:
    """Of record groups handled side by side (``gather(..., return_exceptions=True)``): the
    first bug raised before any retryable failure, so that a bug is never retried as transient."""
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    bugs = [f for f in failures if not isinstance(f, RetryableError)]
    if bugs:
        raise bugs[0]
    if failures:
        raise failures[0]


@cache
def _series(service: str, topic: str) -> tuple[Histogram, Counter]:
    """A topic's handler time and processed count (looked up once per topic: ``labels`` cost
    more per record than the counting)."""
    return HANDLER_SECONDS.labels(service, topic), EVENTS_CONSUMED.labels(
        service, topic, "processed"
    )
