"""The scheduler's faust agent, driven through ``test_context`` with the memory store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.scheduler.app import create_app
from services.scheduler.settings import Settings
from shared import deadletter
from shared.events import ContactRequested, encode
from shared.testing.factories import overdue
from shared.testing.memory import InMemoryEventPublisher
from shared.topics import dead_letter


@pytest.fixture
async def scheduler() -> AsyncIterator[tuple[Any, InMemoryEventPublisher]]:
    publisher = InMemoryEventPublisher()
    app = create_app(Settings(store="memory://"), publisher=publisher)
    app.loop = asyncio.get_running_loop()
    app.finalize()
    app.flow_control.resume()
    agent = app.agents["track-loans"]
    async with agent.test_context() as context:
        yield context, publisher


async def put(context: Any, value: bytes, headers: list[tuple[str, bytes]]) -> None:
    await context.put(value=value, key=b"k", headers=headers)


async def test_an_overdue_event_publishes_one_contact_request(
    scheduler: tuple[Any, InMemoryEventPublisher],
) -> None:
    context, publisher = scheduler
    event = overdue()
    record = encode(event, source="/corebanking")
    await put(context, record.value, list(record.headers))
    await put(context, record.value, list(record.headers))  # redelivered
    requests = publisher.events("dunwell.contact-requests.v1")
    assert len(requests) == 1
    assert isinstance(requests[0], ContactRequested)
    assert requests[0].loan_id == event.loan_id


async def test_a_malformed_event_is_dead_lettered_and_the_agent_goes_on(
    scheduler: tuple[Any, InMemoryEventPublisher],
) -> None:
    context, publisher = scheduler
    await put(context, b"{not json", [("ce_id", b"x")])
    good = encode(overdue(), source="/corebanking")
    await put(context, good.value, list(good.headers))
    dlq = publisher.records[dead_letter("corebanking.loan-events.v1")]
    assert [r.value for r in dlq] == [b"{not json"]
    assert deadletter.header(list(dlq[0].headers), deadletter.REASON_CODE) == "invalid_event"
    assert len(publisher.events("dunwell.contact-requests.v1")) == 1
