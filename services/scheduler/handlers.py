"""The scheduler's use case: one record of the loan topics in, decisions and events out, once."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from services.scheduler.fineract.mapping import to_event as fineract_event
from services.scheduler.intake import decode_loan_record
from services.scheduler.loan import Loan
from services.scheduler.metrics import REQUESTS_PUBLISHED, SWEEP_SECONDS, SWEPT, WITHDRAWALS
from services.scheduler.planner import Context, Decision, apply, pre_due, sweep
from services.scheduler.ports import LoanStore
from shared.boundary import dead_letter as send_to_dead_letter
from shared.errors import PermanentError
from shared.events import (
    AgentTaskOpened,
    BusinessDayClosed,
    ContactRequested,
    ContactWithdrawn,
    DelinquencyRangeChanged,
    Event,
    InstalmentDue,
    PromiseToPayResolved,
)
from shared.metrics import CONSUMER_LAG_SECONDS, EVENTS_CONSUMED
from shared.ports import EventPublisher
from shared.topics import Topics

log = logging.getLogger(__name__)
SERVICE = "scheduler"


@dataclass(frozen=True)
class LoanRecord:
    """One record of the loan topics, as the stream hands it over."""

    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]
    topic: str
    partition: int
    offset: int
    timestamp: int = 0  # milliseconds since the epoch, as Kafka stamped the record (0: unknown)


@dataclass(frozen=True)
class SchedulerContext:
    loans: LoanStore
    publisher: EventPublisher
    topics: Topics
    plan: Context


async def dead_letter(record: LoanRecord, error: PermanentError, ctx: SchedulerContext) -> None:
    """Send a record the scheduler cannot use to its topic's dead-letter topic."""
    await send_to_dead_letter(ctx.publisher, record, error, service=SERVICE)


def destination(event: Event, topics: Topics) -> str:
    """Where each kind of decision is published."""
    if isinstance(event, ContactRequested | ContactWithdrawn):
        # One topic and key (the debtor): the notifier reads a withdrawal after what it withdraws.
        return topics.contact_requests
    if isinstance(event, DelinquencyRangeChanged):
        return topics.delinquency
    if isinstance(event, AgentTaskOpened | PromiseToPayResolved):
        return topics.tasks
    raise TypeError(f"the scheduler does not publish {type(event).__name__}")


async def handle_loan_record(record: LoanRecord, ctx: SchedulerContext) -> None:
    """Decide what a record calls for and publish it; invalid records are dead-lettered.

    Outputs are published (and acknowledged) before the loan's new state is written, so a crash
    in between republishes the same deterministic events rather than losing them.
    """
    if record.timestamp > 0:
        CONSUMER_LAG_SECONDS.labels(SERVICE, record.topic).observe(
            max(0.0, time.time() - record.timestamp / 1000)
        )
    try:
        event = decode_loan_record(
            record.value, record.headers, lambda value: fineract_event(value, record.key)
        )
    except PermanentError as e:
        await dead_letter(record, e, ctx)
        return
    if isinstance(event, BusinessDayClosed):
        await sweep_partition(event, record, ctx)
    elif event is not None and event.loan_id is not None:
        loan = ctx.loans.get(event.loan_id)
        if loan is not None and _already_applied(loan, record, event.event_id):
            EVENTS_CONSUMED.labels(SERVICE, record.topic, "duplicate").inc()
            return
        decision = apply(loan, event, ctx.plan, record.partition)
        if isinstance(event, InstalmentDue) and decision.loan is not None:
            reminded = pre_due(decision.loan, event, ctx.plan)
            decision = Decision(reminded.loan, (*decision.outputs, *reminded.outputs))
        await _commit(_mark(decision, record, event.event_id), ctx)
    await ctx.loans.durable()
    EVENTS_CONSUMED.labels(SERVICE, record.topic, "processed").inc()


async def sweep_partition(
    close: BusinessDayClosed, record: LoanRecord, ctx: SchedulerContext
) -> None:
    """Close of business: age every loan of this partition and fire what became due."""
    started = time.monotonic()
    loans = list(ctx.loans.in_partition(record.partition))
    for loan in loans:
        if _already_applied(loan, record, close.event_id):
            continue
        swept = sweep(loan, close.business_date, ctx.plan)
        reminded = pre_due(swept.loan or loan, close, ctx.plan)
        decision = Decision(reminded.loan, (*swept.outputs, *reminded.outputs))
        await _commit(_mark(decision, record, close.event_id), ctx)
    SWEPT.inc(len(loans))
    SWEEP_SECONDS.observe(time.monotonic() - started)


RECENT_IDS = 64


def _already_applied(loan: Loan, record: LoanRecord, event_id: str) -> bool:
    """A replay after a crash (offset already applied) or a duplicate from the source."""
    return loan.applied.get(record.topic, -1) >= record.offset or event_id in loan.recent_ids


def _mark(decision: Decision, record: LoanRecord, event_id: str) -> Decision:
    """Record, in the state written with the decision, which input it applied."""
    if decision.loan is None:
        return decision
    loan = decision.loan.model_copy(
        update={
            "applied": {**decision.loan.applied, record.topic: record.offset},
            "recent_ids": (*decision.loan.recent_ids, event_id)[-RECENT_IDS:],
        }
    )
    return Decision(loan, decision.outputs)


async def _commit(decision: Decision, ctx: SchedulerContext) -> None:
    """Publish the outputs (acknowledged), then write the state: a crash in between replays the
    same deterministic outputs, never loses them."""
    for output in decision.outputs:
        await ctx.publisher.publish(destination(output, ctx.topics), output)
        if isinstance(output, ContactRequested):
            REQUESTS_PUBLISHED.labels(output.template_id).inc()
        elif isinstance(output, ContactWithdrawn):
            WITHDRAWALS.labels(output.reason).inc()
    if decision.loan is not None:
        ctx.loans.put(decision.loan)
