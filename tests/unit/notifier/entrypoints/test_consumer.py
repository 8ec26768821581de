"""The Kafka dispatch: each record to its use case by topic and event type."""

from __future__ import annotations

import asyncio

import pytest

from services.notifier.entrypoints.consumer import consumer_config, dispatch
from services.notifier.handlers.batcher import SendBatcher
from services.notifier.handlers.directory import DirectoryBuffer
from shared.errors import InvalidEvent
from shared.events import Event, encode
from shared.testing.factories import contact_details, contact_request
from shared.testing.source import InMemoryRecord
from shared.topics import Topics
from tests.unit.notifier.handlers.support import Fixture

TOPICS = Topics()


def record(topic: str, event: Event) -> InMemoryRecord:
    encoded = encode(event, source="/dunwell/test")
    return InMemoryRecord(topic, 0, 0, encoded.key, encoded.value, encoded.headers, 0)


async def test_contact_details_go_to_the_directory(f: Fixture) -> None:
    details = contact_details("debtor-1")
    await dispatch(record(TOPICS.customer_events, details), f.ctx, TOPICS)
    entry = await f.store.get("debtor-1")
    assert entry is not None
    assert entry.email == details.email


async def test_contact_details_are_staged_for_the_loops_flush_when_it_has_one(
    f: Fixture,
) -> None:
    details = contact_details("debtor-1")
    directory = DirectoryBuffer(f.store)
    await dispatch(record(TOPICS.customer_events, details), f.ctx, TOPICS, directory)
    assert directory.staged == [details]
    assert await f.store.get("debtor-1") is None  # nothing written before the flush
    await directory.flush()
    assert (await f.store.get("debtor-1")) is not None
    assert directory.staged == []


async def test_staging_contact_details_takes_none_of_the_handlers_slots(f: Fixture) -> None:
    """Staging is in memory: it goes on while every slot of the other handlers is taken."""
    batcher = SendBatcher(f.ctx, concurrency=1)
    directory = DirectoryBuffer(f.store)
    details = contact_details("debtor-1")
    async with batcher.others:  # the only slot, held
        await asyncio.wait_for(
            dispatch(record(TOPICS.customer_events, details), f.ctx, TOPICS, directory, batcher),
            timeout=1,
        )
    assert directory.staged == [details]


async def test_a_contact_request_is_sent(f: Fixture) -> None:
    request = contact_request()
    await f.debtor(request.debtor_id)
    await dispatch(record(TOPICS.contact_requests, request), f.ctx, TOPICS)
    assert len(f.email.sent) == 1
    assert f.kinds() == ["message_sent"]


@pytest.mark.parametrize(
    ("topic", "event"),
    [
        (TOPICS.customer_events, contact_request()),
        (TOPICS.contact_requests, contact_details("debtor-2")),
    ],
)
async def test_an_event_on_the_wrong_topic_is_invalid(f: Fixture, topic: str, event: Event) -> None:
    with pytest.raises(InvalidEvent, match="unexpected event type"):
        await dispatch(record(topic, event), f.ctx, TOPICS)
    assert f.interactions() == []


def test_requests_and_details_are_consumed_side_by_side_per_partition() -> None:
    config = consumer_config("notifier", "group", TOPICS, 8)
    assert config.topics == (
        TOPICS.customer_events,
        TOPICS.contact_requests,
        TOPICS.review_decisions,
    )
    assert (config.concurrent_partitions, config.key_concurrency) == (True, 8)
    assert config.staged_topics == (TOPICS.customer_events,)  # details: once per poll
