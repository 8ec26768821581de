"""Replies are keyed by debtor; the loan they concern is re-keyed onto the command topic."""

from __future__ import annotations

from shared.events import BorrowerReplied, KafkaRecord, decode
from shared.ports import EventPublisher, Record
from shared.topics import Topics


async def route_reply(record: Record, *, publisher: EventPublisher, topics: Topics) -> None:
    """Forward a borrower's reply about a loan to that loan's partition of the command topic,
    byte for byte; a reply about no loan stays with the notifier and the audit. An invalid
    record raises :class:`~shared.errors.InvalidEvent` (the consume boundary dead-letters it).
    """
    reply = decode(record.value, record.headers)
    if isinstance(reply, BorrowerReplied) and reply.loan_id:
        forwarded = KafkaRecord(
            key=reply.loan_id.encode(), value=record.value or b"", headers=tuple(record.headers)
        )
        await publisher.publish_record(topics.scheduler_commands, forwarded)
