"""The scheduler's use case: turn one core-banking record into contact requests, once."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from services.scheduler.domain import ContactPolicy, notice_for
from services.scheduler.metrics import REQUESTS_PUBLISHED
from services.scheduler.ports import ContactStateStore
from shared.deadletter import send_to_dead_letter
from shared.errors import InvalidEvent, PermanentError
from shared.events import InstalmentFellOverdue, decode
from shared.kafka import EventPublisher
from shared.metrics import EVENTS_CONSUMED
from shared.topics import Topics

log = logging.getLogger(__name__)
SERVICE = "scheduler"


@dataclass(frozen=True)
class LoanRecord:
    """One record of the loan-events topic, as the stream hands it over."""

    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]
    topic: str
    partition: int
    offset: int


@dataclass(frozen=True)
class SchedulerContext:
    states: ContactStateStore
    publisher: EventPublisher
    topics: Topics
    policy: ContactPolicy


async def handle_loan_record(record: LoanRecord, ctx: SchedulerContext) -> None:
    """Decide and publish what a loan event calls for; invalid records are dead-lettered.

    The request is published (and acknowledged) before the state records the step, so a crash
    in between republishes the same deterministic request rather than losing it.
    """
    try:
        event = decode(record.value, record.headers)
        if not isinstance(event, InstalmentFellOverdue):
            raise InvalidEvent(f"unexpected event type {event.type} on the loan-events topic")
    except PermanentError as e:
        await _dead_letter(record, e, ctx)
        return
    state = ctx.states.get(event.loan_id)
    request, new_state = notice_for(event, state, ctx.policy)
    if request is not None:
        await ctx.publisher.publish(ctx.topics.contact_requests, request)
        REQUESTS_PUBLISHED.labels(request.template_id).inc()
    ctx.states.put(event.loan_id, new_state)
    EVENTS_CONSUMED.labels(SERVICE, record.topic, "processed").inc()


async def _dead_letter(record: LoanRecord, error: PermanentError, ctx: SchedulerContext) -> None:
    await send_to_dead_letter(
        ctx.publisher,
        key=record.key,
        value=record.value,
        headers=record.headers,
        source=(record.topic, record.partition, record.offset),
        error=error,
        service=SERVICE,
    )
