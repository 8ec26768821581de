"""The scheduler's use case: one record of the loan topics in, decisions and events out, once."""

from __future__ import annotations

import time
from functools import cache
from typing import Any

from services.scheduler.domain.loan import Loan
from services.scheduler.domain.planner import (
    Decision,
    LoanInput,
    SweepView,
    apply,
    pre_due,
    sweep,
    unchanged_by,
)
from services.scheduler.handlers.intake import decode_loan_record
from services.scheduler.metrics import (
    BORROWER_UNKNOWN,
    FIELD_VISITS,
    LOANS_TRACKED,
    REQUESTS_PUBLISHED,
    SWEEP_SECONDS,
    SWEPT,
    WITHDRAWALS,
)
from services.scheduler.ports import Dependencies
from shared.events import (
    AgentTaskOpened,
    BusinessDayClosed,
    CallTaskOpened,
    ContactDetailsChanged,
    ContactRequested,
    ContactWithdrawn,
    DelinquencyRangeChanged,
    DisputeOpened,
    DisputeResolved,
    Event,
    InstalmentDue,
    PromiseToPayResolved,
    VisitCancelled,
    VisitProposed,
)
from shared.metrics import EVENTS_CONSUMED
from shared.ports import Record
from shared.topics import Topics

SERVICE = "scheduler"


def destination(event: Event, topics: Topics) -> str:
    """Where each kind of decision is published."""
    if isinstance(event, ContactRequested | ContactWithdrawn | DisputeOpened | DisputeResolved):
        # One topic and key (the debtor): the notifier reads a withdrawal after what it
        # withdraws, and a dispute's hold before any later request.
        return topics.contact_requests
    if isinstance(event, DelinquencyRangeChanged):
        return topics.delinquency
    if isinstance(
        event,
        AgentTaskOpened | CallTaskOpened | PromiseToPayResolved | VisitProposed | VisitCancelled,
    ):
        return topics.tasks
    if isinstance(event, ContactDetailsChanged):
        # A core system's client, read from its own format: the notifier's directory input.
        return topics.customer_events
    raise TypeError(f"the scheduler does not publish {type(event).__name__}")


async def handle_loan_record(record: Record, ctx: Dependencies) -> None:
    """Decide what a record calls for and publish it; an invalid record raises
    :class:`~shared.errors.InvalidEvent` (the consume boundary dead-letters it).

    Outputs are published before the loan's new state is written, and acknowledged before that
    state or the record's offset commits (the commit gate), so a crash in between republishes
    the same deterministic events rather than losing them.
    """
    events = decode_loan_record(record.key, record.value, record.headers, ctx.avro)
    outcome = "processed"
    for index, event in enumerate(events):
        # A record of several events (a bulk message) tracks each one's position on its own.
        position = record.topic if len(events) == 1 else f"{record.topic}#{index}"
        if isinstance(event, BusinessDayClosed):
            await sweep_partition(event, record, ctx)
        elif isinstance(event, ContactDetailsChanged):
            await ctx.publisher.publish(destination(event, ctx.topics), event)
        elif event.loan_id and not await _apply(event, event.loan_id, record, position, ctx):
            outcome = "duplicate"
    _consumed(record.topic, outcome).inc()


@cache
def _consumed(topic: str, outcome: str) -> Any:
    """The consumed-records counter's child (looked up once per label set, not per record)."""
    return EVENTS_CONSUMED.labels(SERVICE, topic, outcome)


async def _apply(
    event: LoanInput, loan_id: str, record: Record, position: str, ctx: Dependencies
) -> bool:
    """Apply one loan event; False when it was already applied (a replay or a duplicate)."""
    loan = ctx.loans.get(loan_id)
    if loan is not None and _already_applied(loan, position, record.offset, event.event_id):
        return False
    decision = apply(loan, event, ctx.plan, record.partition)
    if isinstance(event, InstalmentDue) and decision.loan is not None:
        reminded = pre_due(decision.loan, event, ctx.plan)
        decision = Decision(reminded.loan, (*decision.outputs, *reminded.outputs))
    if decision.loan is not None and decision.loan.debtor_id is None:
        BORROWER_UNKNOWN.inc()
    await _commit(_mark(decision, position, record.offset, event.event_id), ctx)
    return True


async def sweep_partition(close: BusinessDayClosed, record: Record, ctx: Dependencies) -> None:
    """Close of business: age every loan of this partition and fire what became due.

    Only a loan the day changes is written again (most loans, on most days, owe nothing new):
    a sweep is idempotent by the loan's own state (each step fired once, each range entered
    once), so a close replayed after a crash decides nothing twice and needs no per-loan mark.
    """
    started, count, day = time.monotonic(), 0, close.business_date

    def unchanged(loan: SweepView) -> bool:
        # Most loans: nothing due, nothing overdue (told without the sums, or the whole loan).
        nonlocal count
        count += 1
        return unchanged_by(loan, day, ctx.plan)

    for loan in ctx.loans.in_partition(record.partition, unchanged):
        swept = sweep(loan, day, ctx.plan)
        reminded = pre_due(swept.loan or loan, close, ctx.plan)
        decision = Decision(reminded.loan, (*swept.outputs, *reminded.outputs))
        if not decision.outputs and (decision.loan is loan or decision.loan == loan):
            continue
        await _commit(decision, ctx)
    SWEPT.inc(count)
    SWEEP_SECONDS.observe(time.monotonic() - started)
    # Counted here, not per record: a RocksDB table counts its loans by reading every key.
    _swept_counts[record.partition] = count
    LOANS_TRACKED.set(sum(_swept_counts.values()))


#: Loans per partition at its last sweep (this worker's share of the book).
_swept_counts: dict[int, int] = {}


RECENT_IDS = 64


def _already_applied(loan: Loan, position: str, offset: int, event_id: str) -> bool:
    """A replay after a crash (offset already applied at this position of the topic: the topic
    itself, or one event of a record carrying several) or a duplicate from the source."""
    return loan.applied.get(position, -1) >= offset or event_id in loan.recent_ids


def _mark(decision: Decision, position: str, offset: int, event_id: str) -> Decision:
    """Record, in the state written with the decision, which input it applied."""
    if decision.loan is None:
        return decision
    loan = decision.loan.model_copy(
        update={
            "applied": {**decision.loan.applied, position: offset},
            "recent_ids": (*decision.loan.recent_ids, event_id)[-RECENT_IDS:],
        }
    )
    return Decision(loan, decision.outputs)


async def _commit(decision: Decision, ctx: Dependencies) -> None:
    """Publish the outputs, then write the state; both commit only once every output is
    acknowledged, so a crash in between replays the same deterministic outputs, never loses
    them."""
    for output in decision.outputs:
        await ctx.publisher.publish(destination(output, ctx.topics), output)
        if isinstance(output, ContactRequested):
            _requested(output.template_id).inc()
        elif isinstance(output, ContactWithdrawn):
            WITHDRAWALS.labels(output.reason).inc()
        count_visit(output)
    if decision.loan is not None:
        ctx.loans.put(decision.loan)


@cache
def _requested(template_id: str) -> Any:
    return REQUESTS_PUBLISHED.labels(template_id)


def count_visit(output: Event) -> None:
    """Field visits by what was decided; an unplaced one (no branch known) is what alerts."""
    if isinstance(output, VisitProposed):
        FIELD_VISITS.labels("rescheduled" if output.replaces else "proposed").inc()
    elif isinstance(output, VisitCancelled):
        FIELD_VISITS.labels(f"cancelled_{output.reason}").inc()
    elif isinstance(output, AgentTaskOpened) and output.kind == "visit_unplaced":
        FIELD_VISITS.labels("unplaced").inc()
