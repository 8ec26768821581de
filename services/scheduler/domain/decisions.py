"""The strategy's decisions for one loan on one business day: episodes, ranges, steps, promises,
field visits and pre-due reminders. Pure; every output id derives from loan, episode and step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from services.scheduler.domain import loan as L  # noqa: N812 - the loan module's vocabulary, qualified
from services.scheduler.domain.calendar import BusinessCalendar
from services.scheduler.domain.strategy import Facts, Strategy
from shared.events import (
    AgentTaskOpened,
    BusinessDayClosed,
    ContactRequested,
    ContactWithdrawn,
    DelinquencyRangeChanged,
    Event,
    InstalmentDue,
    PlanInstalment,
    PromiseToPayResolved,
    derived_event_id,
)


@dataclass(frozen=True)
class Context:
    strategy: Strategy
    calendar: BusinessCalendar


@dataclass(frozen=True)
class Decision:
    loan: L.Loan | None
    outputs: tuple[Event, ...] = ()


def as_of(event: Event, calendar: BusinessCalendar) -> date:
    """The business date an event speaks for."""
    value_date = getattr(event, "value_date", None)
    if isinstance(value_date, date):
        return value_date
    if isinstance(event, BusinessDayClosed):
        return event.business_date
    return calendar.business_date(event.occurred_at)


def stamp(day: date) -> datetime:
    """A deterministic timestamp for outputs decided on ``day`` (replays give equal events)."""
    return datetime.combine(day, time(0), UTC)


def open_task(
    loan: L.Loan,
    kind: str,
    day: date,
    ctx: Context,
    *,
    key: str,
    appointment: date | None = None,
    place: str | None = None,
    plan: tuple[PlanInstalment, ...] = (),
) -> AgentTaskOpened:
    return AgentTaskOpened(
        event_id=derived_event_id(loan.loan_id, str(loan.episode), "task", kind, key),
        occurred_at=stamp(day),
        loan_id=loan.loan_id,
        debtor_id=loan.debtor_id,
        kind=kind,
        episode=max(loan.episode, 1),
        due_by=ctx.calendar.roll_forward(day + timedelta(days=2)),
        statement=L.statement(loan, day, ctx.calendar),
        proposed_plan=plan,
        appointment=appointment,
        place=place,
    )


def evaluate(loan: L.Loan, day: date, ctx: Context) -> tuple[L.Loan, tuple[Event, ...]]:
    """Promise, episode, range, contact steps and field visit, as of ``day``."""
    if loan.status != "active":
        return loan, ()
    loan, outputs = _resolve_promise(loan, day, ctx)
    loan, changed = _track_episode(loan, day, ctx)
    outputs = (*outputs, *changed)
    if not loan.in_episode or holding(loan, day):
        return loan, outputs
    loan, steps = _due_steps(loan, day, ctx)
    loan, visit = _field_visit(loan, day, ctx)
    return loan, (*outputs, *steps, *visit)


def pre_due(loan: L.Loan, event: InstalmentDue | BusinessDayClosed, ctx: Context) -> Decision:
    """Courtesy reminders before instalments fall due (never during a delinquency episode)."""
    day = as_of(event, ctx.calendar)
    if loan.status != "active" or loan.in_episode:
        return Decision(loan)
    outputs: list[Event] = []
    fired = set(loan.fired)
    for rule in ctx.strategy.pre_due:
        for inst in loan.instalments:
            key = f"pre:{inst.number}:{rule.id}"
            if (
                inst.outstanding <= 0
                or key in fired
                or (inst.due_date - day).days != (rule.days_before)
            ):
                continue
            fired.add(key)
            outputs.append(
                _request(
                    loan,
                    day,
                    ctx,
                    step=f"pre-due-{inst.number}-{rule.id}",
                    template=rule.template,
                    channels=rule.channels,
                    amount=inst.outstanding,
                    due=inst.due_date,
                    dpd=0,
                    purpose="pre_due_reminder",
                    episode=0,
                )
            )
    reminded = loan.model_copy(update={"fired": frozenset(fired)})
    return Decision(note_published(reminded, outputs), tuple(outputs))


def note_published(loan: L.Loan, outputs: Iterable[Event]) -> L.Loan:
    """The loan knowing whether a withdrawal followed every request it has published."""
    covered = loan.requests_withdrawn
    for output in outputs:
        if isinstance(output, ContactRequested):
            covered = False
        elif isinstance(output, ContactWithdrawn):
            covered = True
    if covered == loan.requests_withdrawn:
        return loan
    return loan.model_copy(update={"requests_withdrawn": covered})


def holding(loan: L.Loan, day: date) -> bool:
    """Escalation stops during a pause, an open promise, or while an agent answers a request."""
    if any(p.covers(day) for p in loan.pauses):
        return True
    if loan.promise is not None and day <= loan.promise.by:
        return True
    return loan.hold_until is not None and day <= loan.hold_until


def _resolve_promise(loan: L.Loan, day: date, ctx: Context) -> tuple[L.Loan, tuple[Event, ...]]:
    promise = loan.promise
    if promise is None or day <= promise.by:
        return loan, ()
    paid = loan.paid_total - promise.paid_before
    kept = paid >= promise.amount or L.arrears(loan, day, ctx.calendar) == 0
    resolved = PromiseToPayResolved(
        event_id=derived_event_id(loan.loan_id, "promise", promise.by.isoformat()),
        occurred_at=stamp(day),
        loan_id=loan.loan_id,
        debtor_id=loan.debtor_id,
        promised_amount=promise.amount,
        promised_by=promise.by,
        outcome="kept" if kept else "broken",
    )
    loan = loan.model_copy(update={"promise": None})
    if kept:
        return loan, (resolved,)
    return loan, (resolved, open_task(loan, "promise_broken", day, ctx, key=promise.by.isoformat()))


def _track_episode(loan: L.Loan, day: date, ctx: Context) -> tuple[L.Loan, tuple[Event, ...]]:
    dpd = L.days_past_due(loan, day, ctx.calendar)
    if dpd == 0:
        if not loan.in_episode:
            return loan, ()
        cured = loan.model_copy(
            update={
                "in_episode": False,
                "range_id": None,
                "hold_until": None,
                "fired": frozenset(k for k in loan.fired if k.startswith("pre:")),
            }
        )
        return cured, (_range_changed(loan, None, dpd, day),)
    if not loan.in_episode:
        loan = loan.model_copy(update={"in_episode": True, "episode": loan.episode + 1})
    spec = ctx.strategy.range_for(dpd)
    target = spec.id if spec else None
    if target == loan.range_id:
        return loan, ()
    return loan.model_copy(update={"range_id": target}), (_range_changed(loan, target, dpd, day),)


def _range_changed(loan: L.Loan, target: str | None, dpd: int, day: date) -> Event:
    return DelinquencyRangeChanged(
        event_id=derived_event_id(loan.loan_id, str(loan.episode), "range", str(target)),
        occurred_at=stamp(day),
        loan_id=loan.loan_id,
        debtor_id=loan.debtor_id,
        episode=max(loan.episode, 1),
        from_range=loan.range_id,
        to_range=target,
        days_past_due=dpd,
        as_of=day,
    )


def facts(loan: L.Loan, day: date, calendar: BusinessCalendar) -> Facts:
    """The only view of a loan a strategy gets."""
    return Facts(
        days_past_due=L.days_past_due(loan, day, calendar),
        range_id=loan.range_id,
        overdue_amount=L.arrears(loan, day, calendar),
        outstanding_balance=L.remaining_balance(loan),
        product=loan.product,
        currency=loan.currency,
    )


def _due_steps(loan: L.Loan, day: date, ctx: Context) -> tuple[L.Loan, tuple[Event, ...]]:
    seen = facts(loan, day, ctx.calendar)
    rule = next((r for r in ctx.strategy.rules if r.applies(seen)), None)
    if rule is None:
        return loan, ()
    due = [
        s
        for s in rule.steps
        if s.at_days <= seen.days_past_due and f"step:{s.id}" not in loan.fired
    ]
    if not due:
        return loan, ()
    # A late start (or a long pause) never sends a burst: only the latest due step goes out.
    step = max(due, key=lambda s: s.at_days)
    fired = loan.fired | {f"step:{s.id}" for s in due}
    overdue = L.past_due(loan, day, ctx.calendar)
    request = _request(
        loan,
        day,
        ctx,
        step=step.id,
        template=step.template,
        channels=step.channels,
        amount=seen.overdue_amount,
        due=min(i.due_date for i in overdue),
        dpd=seen.days_past_due,
        purpose="overdue_notice",
        episode=loan.episode,
    )
    return loan.model_copy(update={"fired": fired}), (request,)


def _request(
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
    return ContactRequested(
        event_id=derived_event_id(loan.loan_id, str(episode), step),
        occurred_at=stamp(day),
        loan_id=loan.loan_id,
        debtor_id=loan.debtor_id,
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


def _field_visit(loan: L.Loan, day: date, ctx: Context) -> tuple[L.Loan, tuple[Event, ...]]:
    visit = ctx.strategy.field_visit
    if visit is None or "visit" in loan.fired or loan.range_id is None:
        return loan, ()
    if ctx.strategy.rank(loan.range_id) < ctx.strategy.rank(visit.from_range):
        return loan, ()
    if L.remaining_balance(loan) < visit.min_outstanding:
        return loan, ()
    appointment = ctx.calendar.roll_forward(day + timedelta(days=visit.days_ahead))
    owed = L.statement(loan, day, ctx.calendar).total_outstanding
    share = (owed / visit.plan_instalments).quantize(Decimal("0.01"))
    plan = tuple(
        PlanInstalment(
            due_date=ctx.calendar.roll_forward(appointment + timedelta(days=30 * (n + 1))),
            amount=share if n < visit.plan_instalments - 1 else owed - share * n,
        )
        for n in range(visit.plan_instalments)
    )
    task = open_task(
        loan,
        "field_visit",
        day,
        ctx,
        key="visit",
        appointment=appointment,
        place=visit.place,
        plan=plan,
    )
    notice = _request(
        loan,
        day,
        ctx,
        step="visit-notice",
        template=visit.template,
        channels=visit.channels,
        amount=owed,
        due=min(i.due_date for i in L.past_due(loan, day, ctx.calendar)),
        dpd=L.days_past_due(loan, day, ctx.calendar),
        purpose="visit_notice",
        episode=loan.episode,
        appointment=appointment,
        place=visit.place,
    )
    return loan.model_copy(update={"fired": loan.fired | {"visit"}}), (task, notice)
