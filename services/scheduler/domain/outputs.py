"""The events a decision publishes: contact requests, agent tasks and field visits, each with
an id derived from loan, episode and step (a replay gives the very same event)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from services.scheduler.domain import loan as L  # noqa: N812 - the loan module's vocabulary, qualified
from services.scheduler.domain.context import Context, stamp
from services.scheduler.domain.strategy import FieldVisit, Step
from shared.events import (
    AgentTaskOpened,
    CallTaskOpened,
    ContactRequested,
    Event,
    PlanInstalment,
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
    )


def field_visit(loan: L.Loan, view: L.LoanView, ctx: Context) -> tuple[L.Loan, tuple[Event, ...]]:
    """Once per loan, from the strategy's range on and above its balance: a visit task with a
    proposed plan, and the notice telling the borrower when and where."""
    visit = ctx.strategy.field_visit
    if visit is None or "visit" in loan.fired or loan.range_id is None:
        return loan, ()
    if ctx.strategy.rank(loan.range_id) < ctx.strategy.rank(visit.from_range):
        return loan, ()
    if view.balance < visit.min_outstanding:
        return loan, ()
    appointment = ctx.calendar.roll_forward(view.as_of + timedelta(days=visit.days_ahead))
    owed = view.statement().total_outstanding
    plan = _visit_plan(owed, appointment, visit, ctx)
    task = open_task(
        loan,
        view,
        "field_visit",
        ctx,
        key="visit",
        appointment=appointment,
        place=visit.place,
        plan=plan,
    )
    notice = contact_request(
        loan,
        view.as_of,
        ctx,
        step="visit-notice",
        template=visit.template,
        channels=visit.channels,
        amount=owed,
        due=view.oldest_due,
        dpd=view.days_past_due,
        purpose="visit_notice",
        episode=loan.episode,
        appointment=appointment,
        place=visit.place,
    )
    return loan.model_copy(update={"fired": loan.fired | {"visit"}}), (task, notice)


def _visit_plan(
    owed: Decimal, appointment: date, visit: FieldVisit, ctx: Context
) -> tuple[PlanInstalment, ...]:
    """``owed`` in equal monthly shares from the visit on (the last takes the rounding)."""
    share = (owed / visit.plan_instalments).quantize(Decimal("0.01"))
    return tuple(
        PlanInstalment(
            due_date=ctx.calendar.roll_forward(appointment + timedelta(days=30 * (n + 1))),
            amount=share if n < visit.plan_instalments - 1 else owed - share * n,
        )
        for n in range(visit.plan_instalments)
    )
