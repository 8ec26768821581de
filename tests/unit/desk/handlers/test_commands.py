"""Agents' actions on cases: sent once to the scheduler, kept on the case."""

from __future__ import annotations

from datetime import date

import pytest

from services.desk.adapters.memory import InMemoryDeskStore
from services.desk.domain.access import NotAllowed
from services.desk.domain.commands import ActionRequest
from services.desk.handlers import commands, intake, reads
from shared.events import ApplyCaseAction
from shared.testing.memory import InMemoryEventPublisher
from tests.support.desk import AGENT, FIELD_AGENT, Loan, context

TOPIC = "dunwell.case-actions.v1"


async def test_a_promise_is_sent_once_and_joins_the_case() -> None:
    store, publisher, loan = InMemoryDeskStore(), InMemoryEventPublisher(), Loan()
    ctx = context(store, publisher=publisher)
    await intake.task_opened(loan.task(), ctx)
    wanted = ActionRequest(
        action_id="k-1", action="promise_to_pay", promised_amount="800", promised_by="2026-03-09"
    )
    action, new = await commands.record_action(loan.loan_id, wanted, AGENT, ctx)
    again, repeat = await commands.record_action(loan.loan_id, wanted, AGENT, ctx)
    assert (new, repeat, again) == (True, False, action)
    [sent] = publisher.events(TOPIC)
    assert isinstance(sent, ApplyCaseAction)
    assert (sent.event_id, sent.actor, sent.origin) == (action.action_id, "agent-7", "agent")
    promise = await store.promise(loan.loan_id, date(2026, 3, 9))
    assert promise is not None
    assert promise.state == "open"
    view = await reads.loan_case(loan.loan_id, AGENT, ctx)
    assert [a["actor"] for a in view["actions"]] == ["agent-7"]


async def test_another_teams_agent_cannot_act_and_nothing_is_sent() -> None:
    store, publisher, loan = InMemoryDeskStore(), InMemoryEventPublisher(), Loan()
    ctx = context(store, publisher=publisher)
    await intake.task_opened(loan.task(), ctx)
    with pytest.raises(NotAllowed):
        await commands.record_action(
            loan.loan_id, ActionRequest(action_id="k", action="dispute"), FIELD_AGENT, ctx
        )
    with pytest.raises(reads.CaseNotFound):
        await commands.record_action(
            "nope", ActionRequest(action_id="k", action="dispute"), AGENT, ctx
        )
    assert publisher.events(TOPIC) == []
