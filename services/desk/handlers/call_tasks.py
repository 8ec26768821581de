"""Call tasks: a strategy's call step opens one in its queue; the call reported against it
at the pre-call gate closes it with the outcome. Both once: a redelivery changes nothing."""

from __future__ import annotations

from services.desk.domain import cases
from services.desk.domain.call_tasks import call_reported, open_call_task
from services.desk.domain.model import Changes
from services.desk.domain.tasks import no_longer_needed
from services.desk.handlers.context import DeskContext
from services.desk.handlers.intake import count_closed
from services.desk.metrics import CALLS_REPORTED, TASKS_FINISHED, TASKS_OPENED
from shared.events import CallReported, CallTaskOpened


async def call_task_opened(event: CallTaskOpened, ctx: DeskContext) -> None:
    """The call step's task in its queue (closed at once if a cure came first)."""
    store = ctx.store
    if await store.task(event.event_id) is not None:
        return  # a redelivery
    stored = await store.case(event.loan_id)
    case = cases.with_task(cases.case_for(stored, event.loan_id, event.debtor_id), event)
    task = open_call_task(
        event,
        teams=ctx.teams,
        default_team=ctx.default_team,
        policy=ctx.policy,
        calendar=ctx.calendar,
        case=case,
    )
    ended = no_longer_needed(await store.tasks_of_loan(event.loan_id), case, event.occurred_at)
    changed = (case,) if stored is None or case != stored else ()
    await store.commit(Changes(cases=changed, tasks=(task, *ended)))
    TASKS_OPENED.labels(task.kind).inc()
    count_closed((task, *ended))


async def call_task_reported(event: CallReported, ctx: DeskContext) -> None:
    """The call made for a task closes it with the outcome; a call about a task the desk does
    not hold live (unknown, done, closed, another loan) is counted and changes nothing."""
    task = await ctx.store.task(event.task_id)
    done = call_reported(task, event) if task is not None else None
    if done is None:
        CALLS_REPORTED.labels("ignored").inc()
        return
    await ctx.store.commit(Changes(tasks=(done,)))
    CALLS_REPORTED.labels("closed").inc()
    TASKS_FINISHED.labels(done.kind, "done", done.outcome or "").inc()
