"""The scheduler's use case: one record of the loan topics in, decisions and events out, once."""

from __future__ import annotations

import time

from services.scheduler.domain.loan import Loan
from services.scheduler.domain.planner import Decision, apply, pre_due, sweep
from services.scheduler.handlers.intake import decode_loan_record
from services.scheduler.metrics import REQUESTS_PUBLISHED, SWEEP_SECONDS, SWEPT, WITHDRAWALS
from services.scheduler.ports import Dependencies
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
from shared.metrics import EVENTS_CONSUMED
from shared.ports import Record
from shared.topics import Topics

SERVICE = "scheduler"


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


async def handle_loan_record(record: Record, ctx: Dependencies) -> None:
    """Decide what a record calls for and publish it; an invalid record raises
    :class:`~shared.errors.InvalidEvent` (the consume boundary dead-letters it).

    Outputs are published (and acknowledged) before the loan's new state is written, so a crash
    in between republishes the same deterministic events rather than losing them.
    """
    event = decode_loan_record(record.key, record.value, record.headers, ctx.avro)
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


async def sweep_partition(close: BusinessDayClosed, record: Record, ctx: Dependencies) -> None:
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


def _already_applied(loan: Loan, record: Record, event_id: str) -> bool:
    """A replay after a crash (offset already applied) or a duplicate from the source."""
    return loan.applied.get(record.topic, -1) >= record.offset or event_id in loan.recent_ids


def _mark(decision: Decision, record: Record, event_id: str) -> Decision:
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


async def _commit(decision: Decision, ctx: Dependencies) -> None:
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
