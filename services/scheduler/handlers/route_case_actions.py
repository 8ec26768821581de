"""Case actions (a call's dispositions, an agent's actions, a dispute's resolution) are keyed
by debtor; each is
re-keyed by its loan onto the command topic, where the loan's tracker applies it in order."""

from __future__ import annotations

from shared.errors import InvalidEvent
from shared.events import ApplyCaseAction, KafkaRecord, ResolveDispute, decode
from shared.ports import EventPublisher, Record
from shared.topics import Topics


async def route_case_action(record: Record, *, publisher: EventPublisher, topics: Topics) -> None:
    """Forward a case action to its loan's partition of the command topic, byte for byte.
    Anything else on the topic, or an invalid record, raises
    :class:`~shared.errors.InvalidEvent` (the consume boundary dead-letters it)."""
    action = decode(record.value, record.headers)
    if not isinstance(action, ApplyCaseAction | ResolveDispute):
        kind = getattr(action, "type", type(action).__name__)
        raise InvalidEvent(f"unexpected event type {kind} on the case-actions topic")
    forwarded = KafkaRecord(
        key=action.loan_id.encode(), value=record.value or b"", headers=tuple(record.headers)
    )
    await publisher.publish_record(topics.scheduler_commands, forwarded)
