"""Replies about a loan are forwarded, byte for byte, keyed by the loan."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.scheduler.handlers.route_replies import route_reply
from shared.errors import InvalidEvent
from shared.events import BorrowerReplied, DebtorTaskOpened, ReplyIntent, encode
from shared.testing.memory import InMemoryEventPublisher
from shared.testing.source import InMemoryRecord
from shared.topics import Topics

TOPICS = Topics("")


def reply(loan_id: str | None, intent: ReplyIntent = "extension_request") -> InMemoryRecord:
    event = BorrowerReplied(
        event_id="reply-1",
        occurred_at=datetime(2026, 3, 5, tzinfo=UTC),
        debtor_id="debtor-1",
        loan_id=loan_id,
        channel="sms",
        intent=intent,
    )
    encoded = encode(event, source="/dunwell/notifier")
    return InMemoryRecord(TOPICS.replies, 0, 0, encoded.key, encoded.value, encoded.headers, 0)


async def test_a_reply_about_a_loan_goes_to_the_loans_command_partition() -> None:
    publisher, incoming = InMemoryEventPublisher(), reply("loan-9")
    await route_reply(incoming, publisher=publisher, topics=TOPICS)
    [forwarded] = publisher.records[TOPICS.scheduler_commands]
    assert (forwarded.key, forwarded.value) == (b"loan-9", incoming.value)
    assert forwarded.headers == tuple(incoming.headers)


async def test_a_reply_about_no_loan_opens_a_task_for_the_debtor() -> None:
    publisher = InMemoryEventPublisher()
    await route_reply(reply(None), publisher=publisher, topics=TOPICS)
    await route_reply(reply(None), publisher=publisher, topics=TOPICS)  # redelivered
    tasks = publisher.events(TOPICS.tasks)
    assert TOPICS.scheduler_commands not in publisher.records
    assert all(isinstance(t, DebtorTaskOpened) for t in tasks)
    assert len({t.event_id for t in tasks}) == 1
    [task, _] = tasks
    assert isinstance(task, DebtorTaskOpened)
    assert (task.debtor_id, task.kind, task.intent, task.source_id) == (
        "debtor-1",
        "reply_review",
        "extension_request",
        "reply-1",
    )
    assert task.partition_key() == "debtor-1"


@pytest.mark.parametrize("intent", ["opt_out", "acknowledgement"])
async def test_an_opt_out_or_an_acknowledgement_about_no_loan_needs_no_task(
    intent: ReplyIntent,
) -> None:
    publisher = InMemoryEventPublisher()
    await route_reply(reply(None, intent), publisher=publisher, topics=TOPICS)
    assert publisher.records == {}


async def test_an_invalid_reply_is_refused() -> None:
    bad = InMemoryRecord(TOPICS.replies, 0, 0, b"d", b"{oops", (), 0)
    with pytest.raises(InvalidEvent):
        await route_reply(bad, publisher=InMemoryEventPublisher(), topics=TOPICS)
