"""The notifier's Kafka consumer: each record to its use case, by topic and event type."""

from __future__ import annotations

from services.notifier.handlers.context import SendContext
from services.notifier.handlers.directory import DirectoryBuffer, record_contact_details
from services.notifier.handlers.holds import dispute_opened, dispute_resolved
from services.notifier.handlers.review import apply_review_decision
from services.notifier.handlers.sending import send_contact_request
from services.notifier.handlers.withdrawals import withdraw_contacts
from services.notifier.metrics import CONTACT_FIELDS_IGNORED
from shared.consumer import ConsumerConfig
from shared.customer_intake import decode_customer_event
from shared.errors import InvalidEvent
from shared.events import (
    AnyEvent,
    ApplyReviewDecision,
    ContactDetailsChanged,
    ContactRequested,
    ContactWithdrawn,
    DisputeOpened,
    DisputeResolved,
    decode,
)
from shared.ports import Record
from shared.topics import Topics


def consumer_config(
    service: str, group_id: str, topics: Topics, key_concurrency: int
) -> ConsumerConfig:
    """What the notifier consumes, and how side by side."""
    return ConsumerConfig(
        service=service,
        group_id=group_id,
        topics=(topics.customer_events, topics.contact_requests, topics.review_decisions),
        # Requests are keyed by debtor: partitions may go side by side, each in order.
        concurrent_partitions=True,
        key_concurrency=key_concurrency,
        # Contact details are staged and written once per poll (DirectoryBuffer).
        staged_topics=(topics.customer_events,),
    )


async def dispatch(
    record: Record, ctx: SendContext, topics: Topics, directory: DirectoryBuffer | None = None
) -> None:
    """Contact requests and withdrawals to the send use cases, people's review decisions to
    theirs, disputes to the gate's holds, contact details to the
    directory (staged in ``directory`` for the loop's flush, when given); anything else is an
    event this topic should not carry (dead-lettered). Contact details with fields the
    directory does not keep are taken without them (counted)."""
    event = _decode(record, topics)
    if isinstance(event, ContactRequested) and record.topic == topics.contact_requests:
        await send_contact_request(event, ctx)
    elif isinstance(event, ContactWithdrawn) and record.topic == topics.contact_requests:
        await withdraw_contacts(event, ctx)
    elif isinstance(event, ApplyReviewDecision) and record.topic == topics.review_decisions:
        await apply_review_decision(event, ctx)
    elif isinstance(event, DisputeOpened) and record.topic == topics.contact_requests:
        await dispute_opened(event, ctx)
    elif isinstance(event, DisputeResolved) and record.topic == topics.contact_requests:
        await dispute_resolved(event, ctx)
    elif isinstance(event, ContactDetailsChanged) and record.topic == topics.customer_events:
        if directory is None:
            await record_contact_details(event, store=ctx.store)
        else:
            directory.stage(event)
    else:
        raise InvalidEvent(f"unexpected event type {event.type} on this topic")


def _decode(record: Record, topics: Topics) -> AnyEvent:
    if record.topic != topics.customer_events:
        return decode(record.value, list(record.headers))
    event, tolerated = decode_customer_event(record.value, list(record.headers))
    CONTACT_FIELDS_IGNORED.labels("protected").inc(tolerated.protected)
    CONTACT_FIELDS_IGNORED.labels("unknown").inc(tolerated.unknown)
    return event
