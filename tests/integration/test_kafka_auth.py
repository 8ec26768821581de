"""The services authenticate with SASL/SCRAM-SHA-512 and are refused what their ACLs lack."""

from __future__ import annotations

import asyncio
import os
import secrets

import pytest
from aiokafka import ConsumerRecord
from pydantic import SecretStr

from shared.consumer import ConsumeLoop, ConsumerConfig
from shared.errors import RetryableError
from shared.events import decode
from shared.kafka import KafkaEventPublisher
from shared.kafka_source import AiokafkaSource
from shared.settings import KafkaSettings
from shared.testing.factories import contact_request
from tests.polling import eventually
from tests.support.acl import grant

pytestmark = pytest.mark.broker
USER, PASSWORD = "dunwell-scheduler", "scheduler-secret"  # created when the broker was formatted


def sasl(kafka: KafkaSettings, password: str = PASSWORD) -> KafkaSettings:
    port = os.environ.get("KAFKA_SASL_PORT", "19094")
    return kafka.model_copy(
        update={
            "bootstrap_servers": f"127.0.0.1:{port}",
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_username": USER,
            "sasl_password": SecretStr(password),
            "request_timeout_s": 10.0,
        }
    )


@pytest.fixture
def allowed(kafka: KafkaSettings) -> tuple[KafkaSettings, str]:
    """The user may read and write the namespace's contact requests and use one group."""
    group = f"auth-{secrets.token_hex(3)}"
    topic = kafka.topics.contact_requests
    for principal_args in (
        (
            "--operation",
            "Read",
            "--operation",
            "Write",
            "--operation",
            "Describe",
            "--topic",
            topic,
        ),
        ("--operation", "Write", "--topic", topic + ".dlq"),
        ("--operation", "Read", "--group", group),
        ("--operation", "IdempotentWrite", "--cluster"),
    ):
        grant(f"User:{USER}", *principal_args)
    return sasl(kafka), group


async def test_a_service_publishes_and_consumes_through_scram(
    allowed: tuple[KafkaSettings, str],
) -> None:
    settings, group = allowed
    publisher = KafkaEventPublisher(settings, service="auth-test")
    await publisher.start()
    request = contact_request()
    seen: list[str] = []

    async def handle(record: ConsumerRecord[bytes, bytes]) -> None:
        seen.append(decode(record.value, list(record.headers)).event_id)

    try:
        await publisher.publish(settings.topics.contact_requests, request)
        config = ConsumerConfig(
            service="auth-test", group_id=group, topics=(settings.topics.contact_requests,)
        )
        source = AiokafkaSource(settings, group_id=group, service="auth-test")
        loop = ConsumeLoop(source, config, handle, publisher)
        await loop.start()
        task = asyncio.create_task(loop.run())
        try:
            await eventually(lambda: request.event_id in seen, 60)
        finally:
            await loop.stop(grace_s=5)
            await asyncio.gather(task, return_exceptions=True)
    finally:
        await publisher.aclose()


async def test_a_wrong_password_is_refused(allowed: tuple[KafkaSettings, str]) -> None:
    settings, _ = allowed
    publisher = KafkaEventPublisher(sasl(settings, "not-the-password"), service="auth-test")
    with pytest.raises(RetryableError, match="could not start"):
        await publisher.start()


async def test_a_topic_outside_the_acl_is_refused(allowed: tuple[KafkaSettings, str]) -> None:
    settings, _ = allowed
    publisher = KafkaEventPublisher(settings, service="auth-test", send_timeout_s=15)
    await publisher.start()
    try:
        with pytest.raises(RetryableError, match=r"publish to .*interactions"):
            await publisher.publish(settings.topics.interactions, contact_request())
    finally:
        await publisher.aclose()
