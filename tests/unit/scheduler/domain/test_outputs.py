"""The events decisions publish: deterministic ids, the field visit once with its plan."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.scheduler.domain import loan as L  # noqa: N812
from services.scheduler.domain.outputs import contact_request, field_visit, open_task
from services.scheduler.domain.planner import apply
from shared.events import AgentTaskOpened, ContactRequested
from tests.unit.scheduler.support import CALENDAR, CONTEXT, opened

DAY = date(2026, 6, 20)


def overdue_loan(principal: str = "50000") -> L.Loan:
    loan = apply(None, opened(principal=principal, count=6), CONTEXT).loan
    assert loan is not None
    assert CONTEXT.strategy.field_visit is not None
    return loan.model_copy(
        update={"range_id": CONTEXT.strategy.field_visit.from_range, "in_episode": True}
    )


def test_the_same_task_and_request_on_a_replay() -> None:
    loan = overdue_loan()
    view = L.LoanView.of(loan, DAY, CALENDAR)
    assert open_task(loan, view, "dispute", CONTEXT, key="r1") == open_task(
        loan, view, "dispute", CONTEXT, key="r1"
    )
    first, again = (
        contact_request(
            loan,
            DAY,
            CONTEXT,
            step="s",
            template="t",
            channels=("sms",),
            amount=Decimal(1),
            due=DAY,
            dpd=3,
            purpose="overdue_notice",
            episode=1,
        )
        for _ in range(2)
    )
    assert first == again


def test_a_field_visit_once_with_a_plan_summing_to_what_is_owed() -> None:
    loan = overdue_loan()
    view = L.LoanView.of(loan, DAY, CALENDAR)
    visited, (task, notice) = field_visit(loan, view, CONTEXT)
    assert isinstance(task, AgentTaskOpened)
    assert isinstance(notice, ContactRequested)
    owed = view.statement().total_outstanding
    assert sum(p.amount for p in task.proposed_plan) == owed == notice.amount_due
    assert notice.appointment == task.appointment
    assert field_visit(visited, view, CONTEXT) == (visited, ())


def test_no_visit_below_the_strategys_balance() -> None:
    loan = overdue_loan(principal="10")
    view = L.LoanView.of(loan, DAY, CALENDAR)
    assert field_visit(loan, view, CONTEXT) == (loan, ())
