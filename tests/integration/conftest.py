"""Fixtures the broker's integration tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from shared.kafka import KafkaEventPublisher
from shared.settings import KafkaSettings


@pytest.fixture
async def publisher(kafka: KafkaSettings) -> AsyncIterator[KafkaEventPublisher]:
    """A started publisher on the test's topics, closed after it."""
    producer = KafkaEventPublisher(kafka, service="test")
    await producer.start()
    yield producer
    await producer.aclose()
