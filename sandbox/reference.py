"""The reference for a simulated book: the contact requests the pure planner calls for, used
to check the running scheduler (tests) and to size the end-to-end benchmark."""

from __future__ import annotations

from datetime import date

from sandbox.loanbook import Item
from services.scheduler.bootstrap import plan_context
from services.scheduler.domain.loan import Loan
from services.scheduler.domain.planner import apply, pre_due, sweep
from services.scheduler.settings import Settings
from shared.events import BusinessDayClosed, ContactRequested


def expected_requests(items: list[Item]) -> set[str]:
    """The reference: the same book through the pure planner, in the same per-loan order."""
    ctx = plan_context(Settings())
    loans: dict[str, Loan] = {}
    found: set[str] = set()
    swept: set[date] = set()
    for item in items:
        event = item.event
        if isinstance(event, BusinessDayClosed):
            if event.business_date in swept:
                continue  # one close per partition; each loan is swept once a day
            swept.add(event.business_date)
            for loan_id, loan in list(loans.items()):
                swept_loan = sweep(loan, event.business_date, ctx)
                reminded = pre_due(swept_loan.loan or loan, event, ctx)
                loans[loan_id] = reminded.loan or swept_loan.loan or loan
                found |= {
                    o.event_id
                    for o in (*swept_loan.outputs, *reminded.outputs)
                    if isinstance(o, ContactRequested)
                }
        elif item.kind == "loan":
            decision = apply(loans.get(event.loan_id), event, ctx)  # type: ignore[attr-defined, arg-type]
            if decision.loan is not None:
                loans[decision.loan.loan_id] = decision.loan
            found |= {o.event_id for o in decision.outputs if isinstance(o, ContactRequested)}
    return found
