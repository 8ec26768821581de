"""The at-least-once consume loop every aiokafka service runs.

Offsets are committed only after the handler's effect is durable. Records that can never be
processed go to ``<topic>.dlq`` with the reason (then their offset is committed); transient
failures seek back and retry after a pause; anything else is a bug and stops the service.
Shutdown order: stop fetching, finish the in-flight batch, commit, close.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener

from shared.deadletter import send_to_dead_letter
from shared.errors import PermanentError, RetryableError
from shared.kafka import EventPublisher, client_options
from shared.metrics import CONSUMER_LAG_SECONDS, EVENTS_CONSUMED, HANDLER_SECONDS
from shared.settings import KafkaSettings

log = logging.getLogger(__name__)

Handler = Callable[["ConsumerRecord[bytes, bytes]"], Awaitable[None]]


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


class _WaitForBatch(ConsumerRebalanceListener):  # type: ignore[misc]
    """Before partitions are taken away, let the in-flight batch finish and commit."""

    def __init__(self, idle: asyncio.Event) -> None:
        self._idle = idle

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self._idle.wait()

    async def on_partitions_assigned(self, assigned: Any) -> None:
        return None


class ConsumeLoop:
    """Runs one consumer group member: poll, handle in order per partition, commit."""

    def __init__(
        self,
        kafka: KafkaSettings,
        config: ConsumerConfig,
        handler: Handler,
        dead_letters: EventPublisher,
        flush: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """:param flush: for group commit: makes what the handler staged durable, once per
        partition batch, before the batch's offsets are committed."""
        self._config = config
        self._handler = handler
        self._flush = flush
        self._dead_letters = dead_letters
        self._consumer = AIOKafkaConsumer(
            **client_options(kafka),
            group_id=config.group_id,
            group_instance_id=kafka.group_instance_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            # The scheduler publishes in Kafka transactions: never act on an aborted one.
            isolation_level="read_committed",
            client_id=f"dunwell-{config.service}",
        )
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopping = asyncio.Event()
        self._finished = asyncio.Event()
        self._started = False
        self._last_poll = time.monotonic()

    async def start(self) -> None:
        await self._consumer.start()
        self._consumer.subscribe(list(self._config.topics), listener=_WaitForBatch(self._idle))
        self._started = True

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
        while not self._stopping.is_set():
            batches = await self._consumer.getmany(
                timeout_ms=500, max_records=self._config.max_batch
            )
            self._last_poll = time.monotonic()
            if not batches or self._stopping.is_set():
                # Records fetched after stop() are not handled: uncommitted, they are redelivered.
                continue
            self._idle.clear()
            try:
                if self._config.concurrent_partitions and self._flush is None:
                    await asyncio.gather(
                        *(self._handle_partition(tp, records) for tp, records in batches.items())
                    )
                else:
                    for tp, records in batches.items():
                        await self._handle_partition(tp, records)
            finally:
                self._idle.set()

    async def stop(self, grace_s: float) -> None:
        """Stop fetching, wait up to ``grace_s`` for the in-flight batch, then leave the group.

        :param grace_s: how long the in-flight batch may take.
        """
        self._stopping.set()
        if self._started:
            try:
                # The loop notices within one poll (0.5 s), then finishes its batch and commits.
                await asyncio.wait_for(self._finished.wait(), grace_s + 1)
            except TimeoutError:
                log.warning("in-flight batch did not finish within the grace period")
        await self._consumer.stop()

    async def _handle_partition(
        self, tp: TopicPartition, records: list[ConsumerRecord[bytes, bytes]]
    ) -> None:
        done: int | None = None
        try:
            if self._config.key_concurrency > 1 and self._flush is None:
                await self._handle_by_key(records)
                done = records[-1].offset + 1
            else:
                for record in records:
                    await self._handle_one(record)
                    done = record.offset + 1
            if self._flush is not None:
                await self._flush()
        except RetryableError as e:
            # Without a flush, records before the failure are durable; with one, none are.
            failed = records[0].offset if self._flush or done is None else done
            done = None if self._flush else done
            log.warning("transient failure; retrying", extra={"topic": tp.topic, "error": str(e)})
            EVENTS_CONSUMED.labels(self._config.service, tp.topic, "retried").inc()
            self._consumer.seek(tp, failed)
            await asyncio.sleep(min(e.defer_s, self._config.max_retry_pause_s))
        finally:
            if done is not None:
                # The next offset to read, as Kafka expects.
                await self._consumer.commit({tp: done})

    async def _handle_by_key(self, records: list[ConsumerRecord[bytes, bytes]]) -> None:
        groups: dict[bytes | None, list[ConsumerRecord[bytes, bytes]]] = {}
        for record in records:
            groups.setdefault(record.key, []).append(record)
        slots = asyncio.Semaphore(self._config.key_concurrency)

        async def in_order(group: list[ConsumerRecord[bytes, bytes]]) -> None:
            async with slots:
                for record in group:
                    await self._handle_one(record)

        outcomes = await asyncio.gather(
            *(in_order(g) for g in groups.values()), return_exceptions=True
        )
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        bugs = [f for f in failures if not isinstance(f, RetryableError)]
        if bugs:
            raise bugs[0]
        if failures:
            raise failures[0]

    async def _handle_one(self, record: ConsumerRecord[bytes, bytes]) -> None:
        service, topic = self._config.service, record.topic
        CONSUMER_LAG_SECONDS.labels(service, topic).observe(
            max(0.0, time.time() - record.timestamp / 1000)
        )
        with HANDLER_SECONDS.labels(service, topic).time():
            try:
                await self._handler(record)
            except PermanentError as e:
                await self._dead_letter(record, e)
                return
        EVENTS_CONSUMED.labels(service, topic, "processed").inc()

    async def _dead_letter(
        self, record: ConsumerRecord[bytes, bytes], error: PermanentError
    ) -> None:
        await send_to_dead_letter(
            self._dead_letters,
            key=record.key,
            value=record.value,
            headers=list(record.headers),
            source=(record.topic, record.partition, record.offset),
            error=error,
            service=self._config.service,
        )
