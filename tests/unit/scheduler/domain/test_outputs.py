"""The events decisions publish: deterministic ids."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.scheduler.domain import loan as L  # noqa: N812
from services.scheduler.domain.outputs import contact_request, open_task
from services.scheduler.domain.planner import apply
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
