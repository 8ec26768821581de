"""Kafka I/O behind small ports: the event publisher, client options and topic administration."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from aiokafka.helpers import create_ssl_context

from shared.errors import RetryableError
from shared.events import Event, KafkaRecord, encode
from shared.metrics import EVENTS_PUBLISHED
from shared.settings import KafkaSettings

log = logging.getLogger(__name__)


class EventPublisher(Protocol):
    """Publishes events and raw records; returns once the broker has acknowledged them."""

    async def publish(self, topic: str, event: Event) -> None: ...

    async def publish_record(
        self, topic: str, record: KafkaRecord, partition: int | None = None
    ) -> None: ...


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


class KafkaEventPublisher:
    """:class:`EventPublisher` on aiokafka: acks=all and idempotence, so a retry never doubles."""

    def __init__(self, settings: KafkaSettings, *, service: str, send_timeout_s: float = 30.0):
        self._producer = AIOKafkaProducer(
            **client_options(settings),
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
            client_id=f"dunwell-{service}",
        )
        self._service = service
        self._source = f"/dunwell/{service}"
        self._send_timeout_s = send_timeout_s

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
        try:
            # aiokafka has no max.block.ms: bound the wait for the broker's acknowledgement here.
            await asyncio.wait_for(
                self._producer.send_and_wait(
                    topic,
                    value=record.value,
                    key=record.key,
                    headers=list(record.headers),
                    partition=partition,
                ),
                self._send_timeout_s,
            )
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
        return new
    finally:
        await admin.close()
