"""The events a decision publishes: contact requests and agent tasks (field visits:
:mod:`~services.scheduler.domain.visits`), each with
an id derived from loan, episode and step (a replay gives the very same event)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from services.scheduler.domain import loan as L  # noqa: N812 - the loan module's vocabulary, qualified
from services.scheduler.domain.context import Context, stamp
from services.scheduler.domain.strategy import Step
from shared.events import (
    AgentTaskOpened,
    CallTaskOpened,
    ContactRequested,
    PlanInstalment,
    VisitSlot,
    derived_event_id,
)


def open_task(
    loan: L.Loan,
    view: L.LoanView,
    kind: str,
    ctx: Context,
    *,
    key: str,
    appointment: date | None = None,
    place: str | None = None,
    plan: tuple[PlanInstalment, ...] = (),
) -> AgentTaskOpened:
    """An agent's task about ``loan`` (``view`` is the loan as of the day it is opened)."""
    return AgentTaskOpened(
        event_id=derived_event_id(loan.loan_id, str(loan.episode), "task", kind, key),
        occurred_at=stamp(view.as_of),
        loan_id=loan.loan_id,
        debtor_id=loan.borrower,
        kind=kind,
        episode=max(loan.episode, 1),
        due_by=ctx.calendar.roll_forward(view.as_of + timedelta(days=2)),
        statement=view.statement(),
        proposed_plan=plan,
        appointment=appointment,
        place=place,
    )


def call_task(loan: L.Loan, view: L.LoanView, step: Step, ctx: Context) -> CallTaskOpened:
    """A call step's task for its queue, due ``step.sla_days`` business days on (its id
    derives from loan, episode and step, as a message step's request does)."""
    due = ctx.calendar.roll_forward(view.as_of)
    for _ in range(step.sla_days):
        due = ctx.calendar.roll_forward(due + timedelta(days=1))
    return CallTaskOpened(
        event_id=derived_event_id(loan.loan_id, str(loan.episode), step.id),
        occurred_at=stamp(view.as_of),
        loan_id=loan.loan_id,
        debtor_id=loan.borrower,
        episode=max(loan.episode, 1),
        step=step.id,
        purpose=step.purpose,
        queue=step.queue or "collections",
        due_by=due,
        statement=view.statement(),
    )


def contact_request(
    loan: L.Loan,
    day: date,
    ctx: Context,
    *,
    step: str,
    template: str,
    channels: tuple[str, ...],
    amount: Decimal,
    due: date,
    dpd: int,
    purpose: str,
    episode: int,
    appointment: date | None = None,
    place: str | None = None,
    visit: VisitSlot | None = None,
) -> ContactRequested:
    """A request to contact the borrower, to be paid by the strategy's ``pay_within_days``."""
    return ContactRequested(
        event_id=derived_event_id(loan.loan_id, str(episode), step),
        occurred_at=stamp(day),
        loan_id=loan.loan_id,
        debtor_id=loan.borrower,
        episode=max(episode, 1),
        step=step,
        template_id=template,
        channels=channels,
        account_masked=loan.account_masked,
        amount_due=amount,
        currency=loan.currency,
        due_date=due,
        days_past_due=dpd,
        pay_by=ctx.calendar.roll_forward(day + timedelta(days=ctx.strategy.pay_within_days)),
        purpose=purpose,
        appointment=appointment,
        place=place,
        visit=visit,
    )
