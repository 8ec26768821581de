"""Case actions are forwarded, byte for byte, keyed by their loan; anything else is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.scheduler.handlers.route_case_actions import route_case_action
from shared.errors import InvalidEvent
from shared.events import ApplyCaseAction, BorrowerReplied, Event, encode
from shared.testing.memory import InMemoryEventPublisher
from shared.testing.source import InMemoryRecord
from shared.topics import Topics

TOPICS = Topics("")
AT = datetime(2026, 3, 5, tzinfo=UTC)


def record(event: Event) -> InMemoryRecord:
    encoded = encode(event, source="/dunwell/notifier")
    return InMemoryRecord(TOPICS.case_actions, 0, 0, encoded.key, encoded.value, encoded.headers, 0)


def action() -> ApplyCaseAction:
    return ApplyCaseAction(
        event_id="a-1",
        occurred_at=AT,
        debtor_id="debtor-1",
        loan_id="loan-9",
        action="dispute",
        origin="call",
        origin_id="call-1",
    )


async def test_a_case_action_goes_to_its_loans_command_partition() -> None:
    publisher, incoming = InMemoryEventPublisher(), record(action())
    assert incoming.key == b"debtor-1"
    await route_case_action(incoming, publisher=publisher, topics=TOPICS)
    [forwarded] = publisher.records[TOPICS.scheduler_commands]
    assert (forwarded.key, forwarded.value) == (b"loan-9", incoming.value)
    assert forwarded.headers == tuple(incoming.headers)


async def test_another_event_on_the_topic_is_refused() -> None:
    reply = BorrowerReplied(
        event_id="r", occurred_at=AT, debtor_id="d", loan_id="l", channel="sms", intent="other"
    )
    with pytest.raises(InvalidEvent, match="unexpected event type"):
        await route_case_action(record(reply), publisher=InMemoryEventPublisher(), topics=TOPICS)


async def test_an_invalid_record_is_refused() -> None:
    bad = InMemoryRecord(TOPICS.case_actions, 0, 0, b"d", b"{oops", (), 0)
    with pytest.raises(InvalidEvent):
        await route_case_action(bad, publisher=InMemoryEventPublisher(), topics=TOPICS)


def test_a_promise_without_its_terms_is_not_a_command() -> None:
    with pytest.raises(ValueError, match="promised_amount and promised_by"):
        ApplyCaseAction(
            event_id="a",
            occurred_at=AT,
            debtor_id="d",
            loan_id="l",
            action="promise_to_pay",
            origin="agent",
            origin_id="x",
            promised_amount=100,
        )
