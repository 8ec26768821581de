"""What each event means for a loan and what it calls for: pure decisions, deterministic ids.

Every output's id derives from the loan, its episode and the step, so replaying the same input
after a crash or a rebalance produces the very same events, and downstream dedupes them.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from services.scheduler.domain import loan as L  # noqa: N812 - the loan module's vocabulary, qualified
from services.scheduler.domain.case_actions import on_case_input
from services.scheduler.domain.context import LOAN_INPUTS, Context, Decision, LoanInput, as_of
from services.scheduler.domain.decisions import (
    SweepView,
    evaluate,
    note_published,
    pre_due,
    unchanged_by,
)
from services.scheduler.domain.visits import cancel
from services.scheduler.domain.withdrawals import withdrawals
from shared.events import (
    ApplyCaseAction,
    BorrowerReplied,
    ChargeApplied,
    DelinquencyPaused,
    DelinquencyResumed,
    Event,
    InstalmentFellOverdue,
    LoanClosed,
    LoanOpened,
    LoanRescheduled,
    LoanWrittenOff,
    RepaymentPosted,
    ResolveDispute,
)
from shared.redaction import mask_account

__all__ = [
    "LOAN_INPUTS",
    "Context",
    "Decision",
    "LoanInput",
    "SweepView",
    "apply",
    "pre_due",
    "sweep",
    "unchanged_by",
]


def apply(loan: L.Loan | None, event: LoanInput, ctx: Context, partition: int = 0) -> Decision:
    """The loan after ``event`` and the events it calls for."""
    day = as_of(event, ctx.calendar)
    updated, outputs = _update(loan, event, day, partition)
    if updated is None:
        return Decision(None)
    if isinstance(event, BorrowerReplied | ApplyCaseAction | ResolveDispute):
        updated, replies = on_case_input(updated, event, day, ctx)
        outputs = (*outputs, *replies)
    judged = judged_on(day, updated)
    evaluated, more = evaluate(updated, judged, ctx)
    if evaluated.evaluated_on != judged:
        evaluated = evaluated.model_copy(update={"evaluated_on": judged})
    if loan is not None:
        # Ahead of what is decided afresh: a withdrawal covers only requests published before it
        # (so not the message telling the borrower their visit is off, published after it).
        outputs = (*outputs, *withdrawals(loan, updated, evaluated, event, day, ctx))
        evaluated, called_off = cancel(loan, evaluated, day, ctx)
        outputs = (*outputs, *called_off)
    outputs = (*outputs, *more)
    return Decision(note_published(evaluated, outputs), outputs)


def sweep(loan: L.Loan, day: date, ctx: Context) -> Decision:
    """The daily sweep at close of business: age the loan and fire what became due.

    A loan the day changes remembers the day it was judged as of; one it leaves as it was is
    not written again, and still remembers the last day that changed it: since then no day
    has, so judging it again as of that day decides nothing new either."""
    judged = judged_on(day, loan)
    evaluated, outputs = evaluate(loan, judged, ctx)
    if outputs or (evaluated is not loan and evaluated != loan):
        evaluated = evaluated.model_copy(update={"evaluated_on": judged})
    return Decision(note_published(evaluated, outputs), outputs)


def judged_on(day: date, loan: L.Loan) -> date:
    """The day ``loan`` is judged as of for an input speaking for ``day``: never earlier than a
    day it was already judged as of (time does not run back for a loan: a close replayed for
    a past day, or a repayment value-dated back, is judged as of the latest day known)."""
    known = loan.evaluated_on
    return day if known is None or day >= known else known


def _update(
    loan: L.Loan | None, event: LoanInput, day: date, partition: int
) -> tuple[L.Loan | None, tuple[Event, ...]]:
    if isinstance(event, LoanOpened):
        if loan is not None:
            return _borrower_found(loan, event), ()
        return L.Loan(
            loan_id=event.loan_id,
            debtor_id=event.debtor_id,
            account_masked=mask_account(event.account_number),
            product=event.product,
            currency=event.currency,
            instalments=L.schedule(event.schedule),
            partition=partition,
            region=event.region,
        ), ()
    if isinstance(event, InstalmentFellOverdue):
        return _overdue_snapshot(loan, event, partition), ()
    if loan is None:
        return None, ()  # nothing known about the loan yet: core banking opens it first
    return _change(loan, event, day), ()


def _borrower_found(loan: L.Loan, event: LoanOpened) -> L.Loan:
    """A loan first seen without its borrower (an overdue report) learns it from the opening,
    and the instalments it did not know; a loan whose borrower is known keeps its state."""
    if loan.debtor_id is not None:
        return loan
    known = {i.number for i in loan.instalments}
    added = tuple(i for i in L.schedule(event.schedule) if i.number not in known)
    return loan.model_copy(
        update={
            "debtor_id": event.debtor_id,
            "region": loan.region or event.region,
            "instalments": tuple(sorted((*loan.instalments, *added), key=lambda i: i.number)),
        }
    )


def _overdue_snapshot(loan: L.Loan | None, event: InstalmentFellOverdue, partition: int) -> L.Loan:
    """Fineract-style input: an overdue instalment reported without the whole schedule."""
    base = loan or L.Loan(
        loan_id=event.loan_id,
        debtor_id=event.debtor_id,
        account_masked=mask_account(event.account_number),
        product=event.product,
        currency=event.currency,
        partition=partition,
    )
    known = {i.number for i in base.instalments}
    if event.instalment_number in known:
        return base
    added = L.Instalment(
        number=event.instalment_number,
        due_date=event.due_date,
        principal=event.amount_due,
        interest=Decimal(0),
    )
    return base.model_copy(
        update={"instalments": tuple(sorted((*base.instalments, added), key=lambda i: i.number))}
    )


def _change(loan: L.Loan, event: LoanInput, day: date) -> L.Loan:
    if isinstance(event, RepaymentPosted):
        return loan.model_copy(
            update={
                "instalments": L.allocate(loan.instalments, event.amount),
                "paid_total": loan.paid_total + event.amount,
            }
        )
    if isinstance(event, ChargeApplied):
        return _charged(loan, event)
    if isinstance(event, LoanRescheduled):
        kept = tuple(i for i in loan.instalments if i.outstanding == 0)
        return loan.model_copy(update={"instalments": (*kept, *L.schedule(event.schedule))})
    if isinstance(event, DelinquencyPaused):
        return loan.model_copy(
            update={"pauses": (*loan.pauses, L.Pause(start=event.start, end=event.end))}
        )
    if isinstance(event, DelinquencyResumed):
        return _resumed(loan, event)
    if isinstance(event, LoanWrittenOff | LoanClosed):
        status = "written_off" if isinstance(event, LoanWrittenOff) else "closed"
        return loan.model_copy(update={"status": status})
    return loan


def _charged(loan: L.Loan, event: ChargeApplied) -> L.Loan:
    """A fee or a penalty added to one instalment."""
    part = "fees" if event.kind == "fee" else "penalties"
    return loan.model_copy(
        update={
            "instalments": tuple(
                i.model_copy(update={part: getattr(i, part) + event.amount})
                if i.number == event.instalment_number
                else i
                for i in loan.instalments
            )
        }
    )


def _resumed(loan: L.Loan, event: DelinquencyResumed) -> L.Loan:
    """The pause covering ``event.on`` ends the day before."""
    return loan.model_copy(
        update={
            "pauses": tuple(
                p.model_copy(update={"end": event.on - timedelta(days=1)})
                if p.covers(event.on)
                else p
                for p in loan.pauses
            )
        }
    )
