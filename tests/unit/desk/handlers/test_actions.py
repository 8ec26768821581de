"""Agents' actions and reads: checked, applied, written at the version read."""

from __future__ import annotations

import pytest

from services.desk.adapters.memory import InMemoryDeskStore
from services.desk.domain.access import NotAllowed
from services.desk.domain.model import Changes, StaleWrite
from services.desk.domain.tasks import TransitionRefused
from services.desk.handlers import actions, intake, reads
from tests.support.desk import AGENT, FIELD_AGENT, OTHER_AGENT, SUPERVISOR, Loan, context


async def opened() -> tuple[InMemoryDeskStore, Loan, str]:
    store, loan = InMemoryDeskStore(), Loan()
    event = loan.task()
    await intake.task_opened(event, context(store))
    return store, loan, event.event_id


async def test_an_agent_takes_works_and_finishes_a_task() -> None:
    store, loan, task_id = await opened()
    ctx = context(store)
    await actions.assign(task_id, AGENT, ctx, team=None, assignee=AGENT.id)
    await actions.start(task_id, AGENT, ctx)
    done = await actions.finish(task_id, AGENT, ctx, outcome="plan_agreed", note=None)
    assert done.status == "done"
    stored = await store.task(task_id)
    assert stored is not None
    assert (stored.status, stored.version) == ("done", 4)
    view = await reads.loan_case(loan.loan_id, AGENT, ctx)
    assert [t["task_id"] for t in view["tasks"]["past"]] == [task_id]


async def test_refusals_are_not_written() -> None:
    store, loan, task_id = await opened()
    ctx = context(store)
    with pytest.raises(NotAllowed):
        await actions.start(task_id, FIELD_AGENT, ctx)
    with pytest.raises(NotAllowed):
        await actions.assign(task_id, AGENT, ctx, team=None, assignee=OTHER_AGENT.id)
    with pytest.raises(TransitionRefused, match="no such team"):
        await actions.assign(task_id, SUPERVISOR, ctx, team="legal", assignee=None)
    with pytest.raises(actions.TaskNotFound):
        await actions.start("nope", AGENT, ctx)
    stored = await store.task(task_id)
    assert stored is not None
    assert stored.version == 1
    with pytest.raises(NotAllowed):
        await reads.loan_case(loan.loan_id, FIELD_AGENT, ctx)
    with pytest.raises(NotAllowed):
        await reads.borrower_cases(loan.debtor_id, FIELD_AGENT, ctx)
    with pytest.raises(reads.CaseNotFound):
        await reads.loan_case("unknown", SUPERVISOR, ctx)


async def test_a_task_that_moved_meanwhile_is_not_overwritten() -> None:
    store, _loan, task_id = await opened()
    ctx = context(store)
    read = await store.task(task_id)
    assert read is not None
    await actions.start(task_id, AGENT, ctx)
    with pytest.raises(StaleWrite):
        await store.commit(Changes(tasks=(read,)))
