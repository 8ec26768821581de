"""The strategy's decisions for one loan on one business day: episodes, ranges, steps, promises,
field visits and pre-due reminders. Pure; every output id derives from loan, episode and step.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Sized
from datetime import date
from decimal import Decimal
from typing import Protocol

from services.scheduler.domain import loan as L  # noqa: N812 - the loan module's vocabulary, qualified
from services.scheduler.domain.context import Context, Decision, as_of, stamp
from services.scheduler.domain.outputs import call_task, contact_request, open_task
from services.scheduler.domain.strategy import Facts
from services.scheduler.domain.visits import due_visit
from shared.events import (
    BusinessDayClosed,
    ContactRequested,
    ContactWithdrawn,
    DelinquencyRangeChanged,
    Event,
    InstalmentDue,
    PromiseToPayResolved,
    derived_event_id,
)

__all__ = [
    "Context",
    "Decision",
    "SweepView",
    "as_of",
    "evaluate",
    "holding",
    "note_published",
    "pre_due",
    "unchanged_by",
]


def evaluate(loan: L.Loan, day: date, ctx: Context) -> tuple[L.Loan, tuple[Event, ...]]:
    """Promise, episode, range, contact steps and field visit, as of ``day``; nothing while the
    borrower is unknown (the first evaluation once they are known decides what is then due)."""
    if loan.status != "active" or loan.debtor_id is None:
        return loan, ()
    # Nothing below changes what is owed: one view of the day serves every step.
    view = L.LoanView.of(loan, day, ctx.calendar)
    loan, outputs = _resolve_promise(loan, view, ctx)
    loan, changed = _track_episode(loan, view, ctx)
    outputs = (*outputs, *changed)
    if not loan.in_episode or holding(loan, day):
        return loan, outputs
    loan, steps = _due_steps(loan, view, ctx)
    loan, visit = due_visit(loan, view, ctx)
    return loan, (*outputs, *steps, *visit)


class DueView(Protocol):
    """What the sweep's shortcut reads of an instalment."""

    @property
    def due_date(self) -> date: ...

    @property
    def outstanding(self) -> Decimal: ...


class SweepView(Protocol):
    """What the sweep's shortcut reads of a loan: a :class:`~.loan.Loan` is one, and a store
    may hand over a lighter one, read from its bytes only as far as this."""

    @property
    def status(self) -> str: ...

    @property
    def debtor_id(self) -> str | None: ...

    @property
    def in_episode(self) -> bool: ...

    @property
    def promise(self) -> object: ...

    @property
    def disputes(self) -> Sized: ...

    @property
    def instalments(self) -> Sequence[DueView]: ...


def unchanged_by(loan: SweepView, day: date, ctx: Context) -> bool:
    """True when the close of ``day`` certainly leaves ``loan`` as it is and calls for nothing:
    :func:`evaluate` and :func:`pre_due` would both hand back this very loan and no output.

    Most loans of a book, on most days, are such: closed, or not in an episode with nothing
    overdue and no reminder due. Telling that needs neither the day's view of the loan nor its
    sums beyond the instalments already due. False means only "cannot tell cheaply": the sweep
    then decides in full (a loan in an episode, or with a promise, always is).
    """
    if loan.status != "active" or loan.debtor_id is None:
        return True  # nothing is decided for it (evaluate and pre_due return it as it is)
    if loan.in_episode or loan.promise is not None:
        return False
    reminders = () if len(loan.disputes) else tuple(r.days_before for r in ctx.strategy.pre_due)
    for i in loan.instalments:
        gap = (i.due_date - day).days
        if gap in reminders:
            return False  # a courtesy reminder may be due today
        if gap < 0 and i.outstanding > 0 and ctx.calendar.roll_forward(i.due_date) < day:
            return False  # overdue: an episode may open
    return True


def pre_due(loan: L.Loan, event: InstalmentDue | BusinessDayClosed, ctx: Context) -> Decision:
    """Courtesy reminders before instalments fall due (never during a delinquency episode, nor
    while a dispute or complaint is open)."""
    day = as_of(event, ctx.calendar)
    if loan.status != "active" or loan.in_episode or loan.debtor_id is None or loan.disputes:
        return Decision(loan)
    outputs: list[Event] = []
    fired = set(loan.fired)
    for rule in ctx.strategy.pre_due:
        for inst in loan.instalments:
            if (inst.due_date - day).days != rule.days_before:
                continue  # (first: the cheapest test, and the one most instalments fail)
            key = f"pre:{inst.number}:{rule.id}"
            if inst.outstanding <= 0 or key in fired:
                continue
            fired.add(key)
            outputs.append(
                contact_request(
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
    if not outputs:
        return Decision(loan)  # nothing fired: the very same state (the sweep writes nothing)
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
    """Escalation stops during a pause, an open promise, while an agent answers a request, and
    for as long as a dispute or complaint is open (until it is resolved, however long)."""
    if loan.disputes or any(p.covers(day) for p in loan.pauses):
        return True
    if loan.promise is not None and day <= loan.promise.by:
        return True
    return loan.hold_until is not None and day <= loan.hold_until


def _resolve_promise(
    loan: L.Loan, view: L.LoanView, ctx: Context
) -> tuple[L.Loan, tuple[Event, ...]]:
    promise, day = loan.promise, view.as_of
    if promise is None or day <= promise.by:
        return loan, ()
    paid = loan.paid_total - promise.paid_before
    kept = paid >= promise.amount or view.arrears == 0
    resolved = PromiseToPayResolved(
        event_id=derived_event_id(loan.loan_id, "promise", promise.by.isoformat()),
        occurred_at=stamp(day),
        loan_id=loan.loan_id,
        debtor_id=loan.borrower,
        promised_amount=promise.amount,
        promised_by=promise.by,
        outcome="kept" if kept else "broken",
    )
    loan = loan.model_copy(update={"promise": None})
    if kept:
        return loan, (resolved,)
    broken = open_task(loan, view, "promise_broken", ctx, key=promise.by.isoformat())
    return loan, (resolved, broken)


def _track_episode(
    loan: L.Loan, view: L.LoanView, ctx: Context
) -> tuple[L.Loan, tuple[Event, ...]]:
    dpd, day = view.days_past_due, view.as_of
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
        debtor_id=loan.borrower,
        episode=max(loan.episode, 1),
        from_range=loan.range_id,
        to_range=target,
        days_past_due=dpd,
        as_of=day,
    )


def facts(loan: L.Loan, view: L.LoanView) -> Facts:
    """The only view of a loan a strategy gets."""
    return Facts(
        days_past_due=view.days_past_due,
        range_id=loan.range_id,
        overdue_amount=view.arrears,
        outstanding_balance=view.balance,
        product=loan.product,
        currency=loan.currency,
    )


def _due_steps(loan: L.Loan, view: L.LoanView, ctx: Context) -> tuple[L.Loan, tuple[Event, ...]]:
    seen = facts(loan, view)
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
    if step.kind == "call":
        # A call instead of a message: a task for the step's agent team or dialler queue.
        return loan.model_copy(update={"fired": fired}), (call_task(loan, view, step, ctx),)
    request = contact_request(
        loan,
        view.as_of,
        ctx,
        step=step.id,
        template=step.template,
        channels=step.channels,
        amount=seen.overdue_amount,
        due=view.oldest_due,
        dpd=seen.days_past_due,
        purpose="overdue_notice",
        episode=loan.episode,
    )
    return loan.model_copy(update={"fired": fired}), (request,)
