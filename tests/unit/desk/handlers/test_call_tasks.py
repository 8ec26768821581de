"""Call tasks on the memory store: a call step opens one in its queue, the call reported
against it closes it with the outcome, once; a cure closes it when no call came."""

from __future__ import annotations

from datetime import UTC, datetime

from services.desk.adapters.memory import InMemoryDeskStore
from services.desk.handlers import call_tasks, intake
from tests.support.desk import Loan, context


async def test_a_call_step_opens_a_task_in_its_queue_due_at_close_of_business() -> None:
    store, loan = InMemoryDeskStore(), Loan()
    ctx = context(store)
    event = loan.call_task()
    await call_tasks.call_task_opened(event, ctx)
    await call_tasks.call_task_opened(event, ctx)  # redelivered
    [task] = await store.queue("dialler", 10)
    assert (task.task_id, task.kind, task.purpose, task.step) == (
        event.event_id,
        "call",
        "reminder",
        "early-call",
    )
    # Thursday 5 March, 18:00 in Shanghai.
    assert task.due_at == datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
    case = await store.case(loan.loan_id)
    assert case is not None
    assert case.statement == event.statement


async def test_a_queue_the_desk_does_not_know_goes_to_the_default_team() -> None:
    store, loan = InMemoryDeskStore(), Loan()
    await call_tasks.call_task_opened(loan.call_task(queue="night-dialler"), context(store))
    assert [t.kind for t in await store.queue("collections", 10)] == ["call"]


async def test_the_reported_call_closes_the_task_with_its_outcome_once() -> None:
    store, loan = InMemoryDeskStore(), Loan()
    ctx = context(store)
    event = loan.call_task()
    await call_tasks.call_task_opened(event, ctx)
    report = loan.call_reported(event.event_id, "connected", "promise_to_pay")
    await call_tasks.call_task_reported(report, ctx)
    await call_tasks.call_task_reported(report, ctx)  # redelivered
    task = await store.task(event.event_id)
    assert task is not None
    assert (task.status, task.outcome, task.assignee, task.call_id) == (
        "done",
        "promise_recorded",
        "agent-7",
        report.call_id,
    )
    assert [a.what for a in task.actions] == ["opened", "done"]
    assert await store.queue("dialler", 10) == []


async def test_an_unanswered_call_is_unreachable_and_another_loans_call_changes_nothing() -> None:
    store, loan, other = InMemoryDeskStore(), Loan(), Loan()
    ctx = context(store)
    event = loan.call_task()
    await call_tasks.call_task_opened(event, ctx)
    await call_tasks.call_task_reported(other.call_reported(event.event_id, "connected"), ctx)
    await call_tasks.call_task_reported(loan.call_reported("no-such-task", "connected"), ctx)
    still = await store.task(event.event_id)
    assert still is not None
    assert still.live
    await call_tasks.call_task_reported(loan.call_reported(event.event_id, "no_answer"), ctx)
    done = await store.task(event.event_id)
    assert done is not None
    assert (done.status, done.outcome) == ("done", "unreachable")


async def test_a_cure_closes_the_open_call_task() -> None:
    store, loan = InMemoryDeskStore(), Loan()
    ctx = context(store)
    await intake.range_changed(loan.range("r1"), ctx)
    event = loan.call_task()
    await call_tasks.call_task_opened(event, ctx)
    await intake.range_changed(loan.range(None, day=9), ctx)
    task = await store.task(event.event_id)
    assert task is not None
    assert (task.status, task.closed_reason) == ("closed", "cured")
    # A call reported after the cure finds nothing to close.
    await call_tasks.call_task_reported(loan.call_reported(event.event_id), ctx)
    again = await store.task(event.event_id)
    assert again is not None
    assert again.status == "closed"
