"""Call tasks: a strategy's call step opens one in its queue; the call reported against it
at the pre-call gate closes it with the outcome. Both once: a redelivery changes nothing."""

from __future__ import annotations

from services.desk.domain.call_tasks import call_reported, open_call_task
from services.desk.domain.model import Changes
from services.desk.handlers.context import DeskContext
from services.desk.handlers.intake import keep_loan_task
from services.desk.metrics import CALLS_REPORTED, TASKS_FINISHED
from shared.events import CallReported, CallTaskOpened


async def call_task_opened(event: CallTaskOpened, ctx: DeskContext) -> None:
    """The call step's task in its queue (closed at once if a cure came first)."""
    await keep_loan_task(
        event,
        ctx,
        lambda case: open_call_task(
            event,
            teams=ctx.teams,
            default_team=ctx.default_team,
            policy=ctx.policy,
            calendar=ctx.calendar,
            case=case,
        ),
    )


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
