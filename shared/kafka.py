"""Kafka I/O on aiokafka: the event publisher, client options and topic administration."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    InvalidProducerEpoch,
    KafkaError,
    OutOfOrderSequenceNumber,
    TopicAlreadyExistsError,
    UnknownProducerId,
)
from aiokafka.helpers import create_ssl_context

from shared.errors import RetryableError
from shared.events import Event, KafkaRecord, encode
from shared.metrics import EVENTS_PUBLISHED, PRODUCERS_REPLACED
from shared.settings import KafkaSettings

log = logging.getLogger(__name__)


def client_options(settings: KafkaSettings) -> dict[str, Any]:
    """aiokafka connection options (bootstrap, TLS, SASL) for producers, consumers and admin.

    :param settings: the service's Kafka settings.
    """
    options: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": settings.security_protocol,
        "request_timeout_ms": int(settings.request_timeout_s * 1000),
    }
    if settings.security_protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = create_ssl_context(cafile=settings.ssl_cafile)
    if settings.security_protocol.startswith("SASL"):
        options["sasl_mechanism"] = settings.sasl_mechanism or "SCRAM-SHA-512"
        options["sasl_plain_username"] = settings.sasl_username
        password = settings.sasl_password
        options["sasl_plain_password"] = password.get_secret_value() if password else None
    return options


#: Errors after which an idempotent producer never sends again (its sequence numbers no longer
#: match the broker's, e.g. after a broker restart while batches were in flight): only a new
#: producer, with a new producer id, can go on.
_PRODUCER_BROKEN = (OutOfOrderSequenceNumber, UnknownProducerId, InvalidProducerEpoch)


class KafkaEventPublisher:
    """:class:`~shared.ports.EventPublisher` on aiokafka: acks=all and idempotence, so a
    retry never doubles.

    A producer broken by a sequence error is replaced by a new one; the failed publish is
    retryable, and what it carried is published again by the caller's retry (consumers
    downstream deduplicate by event id).
    """

    def __init__(self, settings: KafkaSettings, *, service: str, send_timeout_s: float = 30.0):
        self._settings = settings
        self._producer = self._new_producer(settings, service)
        self._replacing = asyncio.Lock()
        self._service = service
        PRODUCERS_REPLACED.labels(service)  # exported as 0 from the start, for the alert
        self._source = f"/dunwell/{service}"
        self._send_timeout_s = send_timeout_s

    @staticmethod
    def _new_producer(settings: KafkaSettings, service: str) -> AIOKafkaProducer:
        return AIOKafkaProducer(
            **client_options(settings),
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
            client_id=f"dunwell-{service}",
        )

    async def _replace(self, broken: AIOKafkaProducer) -> None:
        """Swap a broken producer for a new one (once, however many sends saw it break)."""
        async with self._replacing:
            if self._producer is not broken:
                return
            log.warning("Kafka producer broken by a sequence error; starting a new one")
            PRODUCERS_REPLACED.labels(self._service).inc()
            self._producer = self._new_producer(self._settings, self._service)
            with contextlib.suppress(KafkaError, TimeoutError):
                await asyncio.wait_for(broken.stop(), self._send_timeout_s)
            await self.start()

    async def start(self) -> None:
        try:
            await self._producer.start()
        except KafkaError as e:
            await self._producer.stop()
            raise RetryableError(f"Kafka producer could not start: {type(e).__name__}") from e

    async def aclose(self) -> None:
        await self._producer.stop()

    async def publish(self, topic: str, event: Event) -> None:
        await self.publish_record(topic, encode(event, source=self._source))

    async def publish_record(
        self, topic: str, record: KafkaRecord, partition: int | None = None
    ) -> None:
        producer = self._producer
        try:
            # aiokafka has no max.block.ms: bound the wait for the broker's acknowledgement here.
            await asyncio.wait_for(
                producer.send_and_wait(
                    topic,
                    value=record.value,
                    key=record.key,
                    headers=list(record.headers),
                    partition=partition,
                ),
                self._send_timeout_s,
            )
        except _PRODUCER_BROKEN as e:
            await self._replace(producer)
            raise RetryableError(f"publish to {topic} failed: {type(e).__name__}") from e
        except (KafkaError, TimeoutError) as e:
            raise RetryableError(f"publish to {topic} failed: {type(e).__name__}") from e
        EVENTS_PUBLISHED.labels(self._service, topic).inc()


async def create_topics(
    settings: KafkaSettings, topics: tuple[str, ...], *, partitions: int, replicas: int = 1
) -> list[str]:
    """Create topics that do not exist yet (local runs and tests; Strimzi does it in clusters).

    :param settings: how to reach the cluster.
    :param topics: topic names.
    :param partitions: partitions of each new topic.
    :param replicas: replication factor of each new topic.
    :returns: the names that were created.

    It returns once every new topic has a leader for each partition: a client started right
    after (a stream processor's first rebalance) finds them all in its metadata.
    """
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        new = [t for t in topics if t not in existing]
        for name in new:
            try:
                await admin.create_topics([NewTopic(name, partitions, replicas)])
            except TopicAlreadyExistsError:
                log.info("topic already exists", extra={"topic": name})
        await _until_led(admin, new)
        return new
    finally:
        await admin.close()


async def _until_led(admin: AIOKafkaAdminClient, topics: list[str], timeout_s: float = 30) -> None:
    """Wait until every partition of ``topics`` has a leader (or ``timeout_s`` passes)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while topics and asyncio.get_running_loop().time() < deadline:
        described = await admin.describe_topics(topics)
        if all(
            t.get("error_code") == 0
            and t.get("partitions")
            and all(p.get("leader", -1) >= 0 for p in t["partitions"])
            for t in described
        ):
            return
        await asyncio.sleep(0.1)


async def delete_topics(settings: KafkaSettings, select: Callable[[str], bool]) -> list[str]:
    """Delete every topic ``select`` picks (a test's or a benchmark's namespace, with the stream
    processor's own topics), so that a long-lived local broker does not keep thousands of
    partitions, each holding open files. Local runs and tests only.

    :param settings: how to reach the cluster.
    :param select: whether a topic name is to be deleted.
    :returns: the names that were deleted.
    """
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        doomed = sorted(t for t in await admin.list_topics() if select(t))
        if doomed:
            await admin.delete_topics(doomed)
        return doomed
    finally:
        await admin.close()


async def list_topics(settings: KafkaSettings) -> list[str]:
    """The names of every topic in the cluster."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        return sorted(await admin.list_topics())
    finally:
        await admin.close()


def in_namespace(namespace: str) -> Callable[[str], bool]:
    """Selects a namespace's topics and the scheduler's own (``dunwell-scheduler-<ns>-...``)."""
    if not namespace:
        raise ValueError("an empty namespace would select every topic")
    return lambda name: name.startswith(f"{namespace}.") or f"-{namespace}-" in name
