"""The notifier's Kafka consumer: each record to its use case, by topic and event type."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Final

from services.notifier.handlers.batcher import SendBatcher
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

#: Records one poll brings, all in flight at once (each key's in order): its contact requests
#: are sent as one batch (:class:`SendBatcher`), which bounds the provider calls itself.
POLL_BATCH: Final = 200
#: Contact details one poll takes at most (one directory transaction for them all: its commit,
#: the pages it writes, shared by five times the records of a :data:`POLL_BATCH`).
DIRECTORY_BATCH: Final = 1000


#: The series contact details' left-out fields are counted in (looked up once, not per record).
_PROTECTED_IGNORED: Final = CONTACT_FIELDS_IGNORED.labels("protected")
_UNKNOWN_IGNORED: Final = CONTACT_FIELDS_IGNORED.labels("unknown")


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
        max_batch=POLL_BATCH,
        # Contact details are staged and written once per poll (DirectoryBuffer).
        staged_topics=(topics.customer_events,),
        staged_max_batch=DIRECTORY_BATCH,
    )


async def dispatch(
    record: Record,
    ctx: SendContext,
    topics: Topics,
    directory: DirectoryBuffer | None = None,
    batcher: SendBatcher | None = None,
) -> None:
    """Contact requests and withdrawals to the send use cases, people's review decisions to
    theirs, disputes to the gate's holds, contact details to the
    directory (staged in ``directory`` for the loop's flush, when given); anything else is an
    event this topic should not carry (dead-lettered). Contact details with fields the
    directory does not keep are taken without them (counted). With a ``batcher``, contact
    requests handled side by side go out as its batches, and the other records' handlers run
    at most ``batcher.others`` at once."""
    event = _decode(record, topics)
    if isinstance(event, ContactRequested) and record.topic == topics.contact_requests:
        await (batcher.send(event) if batcher else send_contact_request(event, ctx))
        return
    if (
        directory is not None
        and isinstance(event, ContactDetailsChanged)
        and record.topic == topics.customer_events
    ):
        directory.stage(event)  # in memory, for the loop's flush: no handler's slot taken
        return
    async with batcher.others if batcher else nullcontext():
        await _dispatch_other(event, record, ctx, topics, directory)


async def _dispatch_other(
    event: AnyEvent,
    record: Record,
    ctx: SendContext,
    topics: Topics,
    directory: DirectoryBuffer | None,
) -> None:
    if isinstance(event, ContactWithdrawn) and record.topic == topics.contact_requests:
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
    _PROTECTED_IGNORED.inc(tolerated.protected)
    _UNKNOWN_IGNORED.inc(tolerated.unknown)
    return event
