"""The desk's Kafka consumer: which topics it reads, and each record to its use case."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from services.desk.handlers import call_tasks, disputes, intake, review, visits
from services.desk.handlers.context import DeskContext
from shared.consumer import ConsumerConfig
from shared.errors import InvalidEvent
from shared.events import InteractionRecorded, decode
from shared.ports import Record
from shared.topics import Topics

Handler = Callable[[Any, DeskContext], Awaitable[None]]


def consumer_config(service: str, group_id: str, topics: Topics) -> ConsumerConfig:
    """Tasks and promises, ranges, interactions, replies, and the scheduler's withdrawals
    (which say when a loan was written off or closed); one record after another, so a
    task and the cure that closes it are never written side by side."""
    return ConsumerConfig(
        service=service,
        group_id=group_id,
        topics=(
            topics.tasks,
            topics.delinquency,
            topics.interactions,
            topics.replies,
            topics.contact_requests,
        ),
    )


def routes(topics: Topics) -> dict[tuple[str, str], Handler]:
    """(topic, event type) -> use case; any other pair is dead-lettered."""
    return {
        (topics.tasks, "dunwell.task.opened.v1"): intake.task_opened,
        (topics.tasks, "dunwell.task.debtor-opened.v1"): intake.debtor_task_opened,
        (topics.tasks, "dunwell.promise.resolved.v1"): intake.promise_resolved,
        (topics.tasks, "dunwell.task.call-opened.v1"): call_tasks.call_task_opened,
        (topics.interactions, "dunwell.call.reported.v1"): call_tasks.call_task_reported,
        (topics.tasks, "dunwell.visit.proposed.v1"): visits.visit_proposed,
        (topics.tasks, "dunwell.visit.cancelled.v1"): visits.visit_cancelled,
        (topics.tasks, "dunwell.visit.outcome-recorded.v1"): visits.outcome_recorded,
        (topics.delinquency, "dunwell.delinquency.range-changed.v1"): intake.range_changed,
        (topics.interactions, "dunwell.interaction.recorded.v1"): interaction,
        (topics.replies, "dunwell.reply.received.v1"): intake.borrower_replied,
        (topics.contact_requests, "dunwell.contact.requested.v1"): intake.contact_requested,
        (topics.contact_requests, "dunwell.contact.withdrawn.v1"): intake.contacts_withdrawn,
        (topics.contact_requests, "dunwell.dispute.opened.v1"): disputes.dispute_opened,
        (topics.contact_requests, "dunwell.dispute.resolved.v1"): disputes.dispute_resolved,
    }


async def interaction(event: InteractionRecorded, ctx: DeskContext) -> None:
    """A contact on the case, a review item when the send asks a person, and a visit
    confirmed (or not) by its notice's fate."""
    await intake.interaction_recorded(event, ctx)
    await review.interaction_seen(event, ctx)
    await visits.notice_seen(event, ctx)


async def dispatch(record: Record, ctx: DeskContext, table: dict[tuple[str, str], Handler]) -> None:
    """Decode one record and run its use case.

    :raises shared.errors.InvalidEvent: not a Dunwell event, or not one this topic carries.
    """
    event = decode(record.value, list(record.headers))
    handler = table.get((record.topic, event.type))
    if handler is None:
        raise InvalidEvent(f"unexpected event type {event.type} on this topic")
    await handler(event, ctx)
