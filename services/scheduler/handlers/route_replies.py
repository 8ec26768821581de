"""Replies are keyed by debtor; the loan they concern is re-keyed onto the command topic, and
a reply about no known loan opens a task for the debtor."""

from __future__ import annotations

from datetime import timedelta

from shared.events import (
    BorrowerReplied,
    DebtorTaskOpened,
    KafkaRecord,
    decode,
    derived_event_id,
)
from shared.ports import EventPublisher, Record
from shared.topics import Topics

#: Replies about no loan that need no one: an opt-out (the notifier has applied it) and a
#: plain acknowledgement (收到, 好的, ok).
NO_TASK = frozenset({"opt_out", "acknowledgement"})
#: How soon an agent should read a reply no loan is known for.
REVIEW_WITHIN = timedelta(days=2)


async def route_reply(record: Record, *, publisher: EventPublisher, topics: Topics) -> None:
    """Forward a borrower's reply about a loan to that loan's partition of the command topic,
    byte for byte. A reply about no loan (an opt-out aside: the notifier has applied it) opens
    a task for the debtor, on the tasks topic. An invalid record raises
    :class:`~shared.errors.InvalidEvent` (the consume boundary dead-letters it).
    """
    reply = decode(record.value, record.headers)
    if not isinstance(reply, BorrowerReplied):
        return
    if reply.loan_id:
        forwarded = KafkaRecord(
            key=reply.loan_id.encode(), value=record.value or b"", headers=tuple(record.headers)
        )
        await publisher.publish_record(topics.scheduler_commands, forwarded)
    elif reply.intent not in NO_TASK:
        await publisher.publish(topics.tasks, review(reply))


def review(reply: BorrowerReplied) -> DebtorTaskOpened:
    """The task a reply about no known loan opens (its id derives from the reply)."""
    return DebtorTaskOpened(
        event_id=derived_event_id(reply.event_id, "task", "reply_review"),
        occurred_at=reply.occurred_at,
        debtor_id=reply.debtor_id,
        source_id=reply.event_id,
        channel=reply.channel,
        intent=reply.intent,
        due_by=(reply.occurred_at + REVIEW_WITHIN).date(),
    )
