"""Field visits booked, not imposed (pure): a slot on a business day within visiting hours at the
branch serving the loan's region, its notice, a new slot when the borrower or an agent moves it,
and a cancellation (which tells the borrower) when the episode ends.

The scheduler proposes; the desk confirms a visit only once its notice was delivered. Every id
derives from loan, episode and the visit's sequence, so a replay proposes the very same visit.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from services.scheduler.domain import loan as L  # noqa: N812 - the loan module's vocabulary, qualified
from services.scheduler.domain.branches import Branch
from services.scheduler.domain.context import Context, stamp
from services.scheduler.domain.outputs import contact_request, open_task
from services.scheduler.domain.strategy import FieldVisit
from shared.events import (
    ContactRequested,
    Event,
    PlanInstalment,
    VisitProposed,
    VisitSlot,
    derived_event_id,
)
from shared.visit_events import VisitCancelled, VisitCancelReason


def due_visit(loan: L.Loan, view: L.LoanView, ctx: Context) -> tuple[L.Loan, tuple[Event, ...]]:
    """Once per episode, from the strategy's range on and above its balance: the first slot
    proposed, or, where no branch serves the loan's region, a task for a person (held)."""
    visit = ctx.strategy.field_visit
    if visit is None or "visit" in loan.fired or loan.range_id is None:
        return loan, ()
    if ctx.strategy.rank(loan.range_id) < ctx.strategy.rank(visit.from_range):
        return loan, ()
    if view.balance < visit.min_outstanding:
        return loan, ()
    fired = loan.model_copy(update={"fired": loan.fired | {"visit"}})
    branch = ctx.branches.for_region(loan.region)
    if branch is None:
        return fired, (open_task(fired, view, "visit_unplaced", ctx, key="visit"),)
    day = ctx.calendar.roll_forward(view.as_of + timedelta(days=visit.days_ahead))
    return propose(fired, view, ctx, branch, day, origin="strategy")


def propose(
    loan: L.Loan, view: L.LoanView, ctx: Context, branch: Branch, day: date, *, origin: str
) -> tuple[L.Loan, tuple[Event, ...]]:
    """A slot on ``day`` at ``branch`` (replacing the loan's current one) and its notice."""
    visit = _config(ctx)
    previous = loan.visit
    sequence = previous.sequence + 1 if previous else 1
    start = datetime.combine(day, visit.hours.start, ZoneInfo(ctx.calendar.time_zone))
    slot = _slot(loan, ctx, branch, start, sequence)
    notice = _notice(loan, view, ctx, slot, sequence)
    proposed = VisitProposed(
        event_id=slot.visit_id,
        occurred_at=stamp(view.as_of),
        loan_id=loan.loan_id,
        debtor_id=loan.borrower,
        episode=max(loan.episode, 1),
        slot=slot,
        notice_id=notice.event_id,
        sequence=sequence,
        replaces=previous.visit_id if previous else None,
        origin=origin,
        statement=view.statement(),
        proposed_plan=visit_plan(view.statement().total_outstanding, day, visit, ctx),
    )
    booked = L.BookedVisit(
        visit_id=slot.visit_id, sequence=sequence, starts_at=slot.starts_at, branch_id=branch.id
    )
    moved: tuple[Event, ...] = ()
    if previous is not None:
        moved = (_cancelled(loan, previous, "rescheduled", view.as_of, None),)
    return loan.model_copy(update={"visit": booked}), (*moved, proposed, notice)


def _notice(
    loan: L.Loan, view: L.LoanView, ctx: Context, slot: VisitSlot, sequence: int
) -> ContactRequested:
    """The message telling the borrower when and where (in their language: the notifier picks)."""
    visit = _config(ctx)
    return contact_request(
        loan,
        view.as_of,
        ctx,
        step="visit-notice" if sequence == 1 else f"visit-notice-{sequence}",
        template=visit.template,
        channels=visit.channels,
        amount=view.statement().total_outstanding,
        due=view.oldest_due,
        dpd=view.days_past_due,
        purpose="visit_notice",
        episode=loan.episode,
        appointment=slot.starts_at.astimezone(ZoneInfo(ctx.calendar.time_zone)).date(),
        visit=slot,
    )


def reschedule(
    loan: L.Loan, day: date, ctx: Context, *, wanted: date | None, origin: str
) -> tuple[L.Loan, tuple[Event, ...]] | None:
    """A new slot for the loan's visit: on ``wanted`` (or the next business day after it) when
    the borrower named a day, else the business day after the current slot; never sooner than
    the next business day. None when there is no visit to move (a person looks at it)."""
    current = loan.visit
    if current is None or not loan.in_episode or loan.status != "active":
        return None
    branch = next((b for b in ctx.branches.branches if b.id == current.branch_id), None)
    branch = branch or ctx.branches.for_region(loan.region)
    if branch is None:
        return None
    slot_day = current.starts_at.astimezone(ZoneInfo(ctx.calendar.time_zone)).date()
    earliest = day + timedelta(days=1)
    target = max(wanted, earliest) if wanted else max(slot_day + timedelta(days=1), earliest)
    view = L.LoanView.of(loan, day, ctx.calendar)
    return propose(loan, view, ctx, branch, ctx.calendar.roll_forward(target), origin=origin)


def cancel(
    before: L.Loan, after: L.Loan, day: date, ctx: Context
) -> tuple[L.Loan, tuple[Event, ...]]:
    """The loan's visit called off when its episode ended or the loan was written off or
    closed; a cure tells the borrower so (a message gated like any other; a written-off or
    closed loan's visit ends with the case, which the desk closes)."""
    current = before.visit
    reason = _cancel_reason(after)
    if current is None or reason is None:
        return after, ()
    if current.starts_at.astimezone(ZoneInfo(ctx.calendar.time_zone)).date() < day:
        return after.model_copy(
            update={"visit": None}
        ), ()  # it took place (or not): the desk knows
    if reason != "cured":
        cancelled = _cancelled(before, current, reason, day, None)
        return after.model_copy(update={"visit": None}), (cancelled,)
    visit = _config(ctx)
    branch = next((b for b in ctx.branches.branches if b.id == current.branch_id), None)
    slot = _slot(before, ctx, branch, current.starts_at, current.sequence) if branch else None
    told = contact_request(
        before,
        day,
        ctx,
        step=f"visit-cancel-{current.sequence}-{reason}",
        template=visit.cancel_template,
        channels=visit.channels,
        amount=Decimal(0),  # nothing is asked for: the message says the visit is off
        due=day,
        dpd=0,
        purpose="visit_cancellation",
        episode=before.episode,
        appointment=current.starts_at.astimezone(ZoneInfo(ctx.calendar.time_zone)).date(),
        visit=slot,
    )
    cancelled = _cancelled(before, current, reason, day, told.event_id)
    return after.model_copy(update={"visit": None}), (cancelled, told)


def visit_plan(
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


def _config(ctx: Context) -> FieldVisit:
    if ctx.strategy.field_visit is None:
        raise ValueError("the strategy books no field visits")
    return ctx.strategy.field_visit


def _cancel_reason(after: L.Loan) -> VisitCancelReason | None:
    if after.status == "written_off":
        return "written_off"
    if after.status == "closed":
        return "closed"
    return None if after.in_episode else "cured"


def _slot(loan: L.Loan, ctx: Context, branch: Branch, start: datetime, sequence: int) -> VisitSlot:
    """The slot of ``sequence``: from ``start``, one slot's length, at ``branch``."""
    return VisitSlot(
        visit_id=derived_event_id(loan.loan_id, str(loan.episode), "visit", str(sequence)),
        starts_at=start,
        ends_at=start + timedelta(minutes=_config(ctx).hours.slot_minutes),
        time_zone=ctx.calendar.time_zone,
        branch_id=branch.id,
        place=branch.place(),
    )


def _cancelled(
    loan: L.Loan, visit: L.BookedVisit, reason: VisitCancelReason, day: date, told: str | None
) -> VisitCancelled:
    return VisitCancelled(
        event_id=derived_event_id(visit.visit_id, "cancelled", reason),
        occurred_at=stamp(day),
        loan_id=loan.loan_id,
        debtor_id=loan.borrower,
        episode=max(loan.episode, 1),
        visit_id=visit.visit_id,
        reason=reason,
        notice_id=told,
    )
