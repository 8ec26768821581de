"""The desk's intake: each consumed event into tasks, cases, contacts and promises, once.

Every use case reads, applies the pure rules, and writes one change set; a redelivered event
changes nothing (tasks and contacts are keyed by event id, cases and promises only move
forward). A case change that ends an episode (a cure) or the loan (write-off, closure) closes
the loan's live tasks with that reason in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.desk.domain import cases
from services.desk.domain.model import Case, Changes, Task
from services.desk.domain.tasks import no_longer_needed, open_debtor_task, open_task
from services.desk.handlers.context import DeskContext
from services.desk.metrics import TASKS_FINISHED, TASKS_OPENED
from shared.events import (
    AgentTaskOpened,
    BorrowerReplied,
    CallTaskOpened,
    ContactRequested,
    ContactWithdrawn,
    DebtorTaskOpened,
    DelinquencyRangeChanged,
    InteractionRecorded,
    PromiseToPayResolved,
)


def count_closed(tasks: tuple[Task, ...]) -> None:
    for task in tasks:
        if task.status == "closed":
            TASKS_FINISHED.labels(task.kind, "closed", task.closed_reason or "").inc()


async def task_opened(event: AgentTaskOpened, ctx: DeskContext) -> None:
    """A new task in its team's queue, due by the SLA (closed at once if a cure came first)."""
    await keep_loan_task(
        event,
        ctx,
        lambda case: open_task(
            event,
            teams=ctx.team_by_kind,
            default_team=ctx.default_team,
            policy=ctx.policy,
            calendar=ctx.calendar,
            case=case,
        ),
    )


async def keep_loan_task(
    event: AgentTaskOpened | CallTaskOpened, ctx: DeskContext, build: Callable[[Case], Task]
) -> None:
    """Keep the task ``build`` makes of the loan's case, once (a redelivery changes nothing),
    with the case it changes and the loan's tasks the case shows are no longer needed."""
    store = ctx.store
    if await store.task(event.event_id) is not None:
        return  # a redelivery
    stored = await store.case(event.loan_id)
    case = cases.with_task(cases.case_for(stored, event.loan_id, event.debtor_id), event)
    task = build(case)
    ended = no_longer_needed(await store.tasks_of_loan(event.loan_id), case, event.occurred_at)
    changed = (case,) if stored is None or case != stored else ()
    await store.commit(Changes(cases=changed, tasks=(task, *ended)))
    TASKS_OPENED.labels(task.kind).inc()
    count_closed((task, *ended))


async def debtor_task_opened(event: DebtorTaskOpened, ctx: DeskContext) -> None:
    """A debtor's reply with no loan known to them: a task in its team's queue, never dropped."""
    if await ctx.store.task(event.event_id) is not None:
        return  # a redelivery
    task = open_debtor_task(
        event,
        teams=ctx.team_by_kind,
        default_team=ctx.default_team,
        policy=ctx.policy,
        calendar=ctx.calendar,
    )
    await ctx.store.commit(Changes(tasks=(task,)))
    TASKS_OPENED.labels(task.kind).inc()


async def _change_case(
    loan_id: str, debtor_id: str, rule: Callable[[Case], Case], at: datetime, ctx: DeskContext
) -> None:
    """Apply ``rule`` to the loan's case; close what the new state ends, in one write."""
    stored = await ctx.store.case(loan_id)
    case = rule(cases.case_for(stored, loan_id, debtor_id))
    if stored is not None and case == stored:
        return
    ended = no_longer_needed(await ctx.store.tasks_of_loan(loan_id), case, at)
    await ctx.store.commit(Changes(cases=(case,), tasks=ended))
    count_closed(ended)


async def range_changed(event: DelinquencyRangeChanged, ctx: DeskContext) -> None:
    await _change_case(
        event.loan_id,
        event.debtor_id,
        lambda case: cases.with_range(case, event),
        event.occurred_at,
        ctx,
    )


async def contacts_withdrawn(event: ContactWithdrawn, ctx: DeskContext) -> None:
    await _change_case(
        event.loan_id,
        event.debtor_id,
        lambda case: cases.with_withdrawal(case, event),
        event.occurred_at,
        ctx,
    )


async def contact_requested(event: ContactRequested, ctx: DeskContext) -> None:
    await _change_case(
        event.loan_id,
        event.debtor_id,
        lambda case: cases.with_request(case, event),
        event.occurred_at,
        ctx,
    )


async def interaction_recorded(event: InteractionRecorded, ctx: DeskContext) -> None:
    await ctx.store.commit(Changes(contacts=(cases.contact_of(event),)))


async def borrower_replied(event: BorrowerReplied, ctx: DeskContext) -> None:
    """A promise to pay, made in a reply, joins the loan's promises (open); an opt-out, a
    dispute or a complaint is kept as a contact for the reports."""
    understood = cases.reply_contact(event)
    if understood is not None:
        await ctx.store.commit(Changes(contacts=(understood,)))
    if event.loan_id is None or event.promised_by is None:
        return
    existing = await ctx.store.promise(event.loan_id, event.promised_by)
    made = cases.promise_made(existing, event)
    if made is not None:
        await ctx.store.commit(Changes(promises=(made,)))


async def promise_resolved(event: PromiseToPayResolved, ctx: DeskContext) -> None:
    existing = await ctx.store.promise(event.loan_id, event.promised_by)
    resolved = cases.promise_resolved(existing, event)
    if resolved != existing:
        await ctx.store.commit(Changes(promises=(resolved,)))
