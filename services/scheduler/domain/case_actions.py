"""What a borrower's words do to a loan (pure), whether they came as a reply or as a command
(a call's disposition, later an agent's action): a tracked promise, a hold with an agent's task,
or a task alone.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Final

from services.scheduler.domain import loan as L  # noqa: N812 - the loan module's vocabulary, qualified
from services.scheduler.domain.context import Context
from services.scheduler.domain.outputs import open_task
from shared.dunwell_events import TaskKind
from shared.events import ApplyCaseAction, BorrowerReplied, Event

HOLD_DAYS: Final = 7  # how long a borrower's request holds escalation while an agent answers
#: What each of the borrower's words opens for an agent, and whether it holds escalation.
TASKS: Final[dict[str, tuple[TaskKind, bool]]] = {
    "extension_request": ("extension_request", True),
    "instalment_request": ("instalment_request", True),
    "dispute": ("dispute", True),
    "complaint": ("complaint", True),
    "already_paid": ("already_paid", True),
    "reschedule": ("visit_reschedule", False),
    "reschedule_visit": ("visit_reschedule", False),
    "wrong_party": ("wrong_party", False),
}
CaseInput = BorrowerReplied | ApplyCaseAction


def _terms(event: CaseInput) -> tuple[str, Decimal | None, date | None]:
    if isinstance(event, BorrowerReplied):
        return event.intent, event.promised_amount, event.promised_by
    return event.action, event.promised_amount, event.promised_by


def on_case_input(
    loan: L.Loan, event: CaseInput, day: date, ctx: Context
) -> tuple[L.Loan, tuple[Event, ...]]:
    """The loan after the borrower's words, and the task they open (if any). A promise with its
    amount and date is tracked (kept or broken); one without them is only noted by the notifier.
    A request the notifier acts on alone (opt-out, stop calling) changes nothing here."""
    what, amount, by = _terms(event)
    if what == "promise_to_pay" and amount and by:
        promise = L.Promise(amount=amount, by=by, paid_before=loan.paid_total)
        return loan.model_copy(update={"promise": promise}), ()
    if what not in TASKS:
        return loan, ()
    kind, holds = TASKS[what]
    task = open_task(loan, L.LoanView.of(loan, day, ctx.calendar), kind, ctx, key=event.event_id)
    if not holds:
        return loan, (task,)
    hold = day + timedelta(days=HOLD_DAYS)
    if isinstance(event, ApplyCaseAction) and event.requested_until is not None:
        hold = max(hold, event.requested_until)
    return loan.model_copy(update={"hold_until": hold}), (task,)
