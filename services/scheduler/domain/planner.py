"""What each event means for a loan and what it calls for: pure decisions, deterministic ids.

Every output's id derives from the loan, its episode and the step, so replaying the same input
after a crash or a rebalance produces the very same events, and downstream dedupes them.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from services.scheduler.domain import loan as L  # noqa: N812 - the loan module's vocabulary, qualified
from services.scheduler.domain.decisions import (
    Context,
    Decision,
    as_of,
    evaluate,
    holding,
    note_published,
    open_task,
    pre_due,
    stamp,
)
from shared.dunwell_events import WithdrawalReason
from shared.events import (
    BorrowerReplied,
    ChargeApplied,
    ContactWithdrawn,
    DelinquencyPaused,
    DelinquencyResumed,
    Event,
    InstalmentFellOverdue,
    LoanClosed,
    LoanEvent,
    LoanOpened,
    LoanRescheduled,
    LoanWrittenOff,
    RepaymentPosted,
    derived_event_id,
)
from shared.redaction import mask_account

__all__ = ["LOAN_INPUTS", "Context", "Decision", "LoanInput", "apply", "pre_due", "sweep"]

#: What the planner applies to a loan: core banking's loan events and the borrower's replies.
LoanInput = LoanEvent | BorrowerReplied
LOAN_INPUTS = (*LoanEvent.__args__, BorrowerReplied)
HOLD_DAYS = 7  # how long a borrower's request holds escalation while an agent answers


def apply(loan: L.Loan | None, event: LoanInput, ctx: Context, partition: int = 0) -> Decision:
    """The loan after ``event`` and the events it calls for."""
    day = as_of(event, ctx.calendar)
    updated, outputs = _update(loan, event, day, partition)
    if updated is None:
        return Decision(None)
    if isinstance(event, BorrowerReplied):
        updated, replies = _on_reply(updated, event, day, ctx)
        outputs = (*outputs, *replies)
    evaluated, more = evaluate(updated, day, ctx)
    if loan is not None:
        # Ahead of what is decided afresh: a withdrawal covers only requests published before it.
        outputs = (*outputs, *_withdrawals(loan, updated, evaluated, event, day, ctx))
    outputs = (*outputs, *more)
    return Decision(note_published(evaluated, outputs), outputs)


def sweep(loan: L.Loan, day: date, ctx: Context) -> Decision:
    """The daily sweep at close of business: age the loan and fire what became due."""
    evaluated, outputs = evaluate(loan, day, ctx)
    return Decision(note_published(evaluated, outputs), outputs)


def _update(
    loan: L.Loan | None, event: LoanInput, day: date, partition: int
) -> tuple[L.Loan | None, tuple[Event, ...]]:
    if isinstance(event, LoanOpened):
        if loan is not None:
            return loan, ()
        return L.Loan(
            loan_id=event.loan_id,
            debtor_id=event.debtor_id,
            account_masked=mask_account(event.account_number),
            product=event.product,
            currency=event.currency,
            instalments=L.schedule(event.schedule),
            partition=partition,
        ), ()
    if isinstance(event, InstalmentFellOverdue):
        return _overdue_snapshot(loan, event, partition), ()
    if loan is None:
        return None, ()  # nothing known about the loan yet: core banking opens it first
    return _change(loan, event, day), ()


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
    if isinstance(event, LoanRescheduled):
        kept = tuple(i for i in loan.instalments if i.outstanding == 0)
        return loan.model_copy(update={"instalments": (*kept, *L.schedule(event.schedule))})
    if isinstance(event, DelinquencyPaused):
        return loan.model_copy(
            update={"pauses": (*loan.pauses, L.Pause(start=event.start, end=event.end))}
        )
    if isinstance(event, DelinquencyResumed):
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
    if isinstance(event, LoanWrittenOff | LoanClosed):
        status = "written_off" if isinstance(event, LoanWrittenOff) else "closed"
        return loan.model_copy(update={"status": status})
    return loan


def _on_reply(
    loan: L.Loan, reply: BorrowerReplied, day: date, ctx: Context
) -> tuple[L.Loan, tuple[Event, ...]]:
    if reply.intent == "promise_to_pay" and reply.promised_amount and reply.promised_by:
        promise = L.Promise(
            amount=reply.promised_amount, by=reply.promised_by, paid_before=loan.paid_total
        )
        return loan.model_copy(update={"promise": promise}), ()
    if reply.intent in ("extension_request", "instalment_request", "dispute"):
        hold = day + timedelta(days=HOLD_DAYS)
        task = open_task(loan, reply.intent, day, ctx, key=reply.event_id)
        return loan.model_copy(update={"hold_until": hold}), (task,)
    return loan, ()


def _withdrawals(
    before: L.Loan, after: L.Loan, evaluated: L.Loan, event: LoanInput, day: date, ctx: Context
) -> tuple[ContactWithdrawn, ...]:
    """What ``event`` makes stale among the requests published for the loan and not withdrawn.

    ``before`` is the loan as the event found it, ``after`` the event applied, ``evaluated`` the
    strategy run on it (where an episode ends).
    """
    if before.status != "active" or before.requests_withdrawn:
        return ()
    found = _withdrawal_reason(before, after, evaluated, event, day, ctx)
    if found is None:
        return ()
    reason, episode = found
    return (
        ContactWithdrawn(
            event_id=derived_event_id(
                after.loan_id, str(episode), "withdrawn", reason, event.event_id
            ),
            occurred_at=stamp(day),
            loan_id=after.loan_id,
            debtor_id=after.debtor_id,
            episode=max(episode, 1),  # as the requests it withdraws carry it
            reason=reason,
        ),
    )


def _withdrawal_reason(
    before: L.Loan, after: L.Loan, evaluated: L.Loan, event: LoanInput, day: date, ctx: Context
) -> tuple[WithdrawalReason, int] | None:
    """Why and up to which episode to withdraw; None when nothing published went stale."""
    requested = after.in_episode and _episode_requested(after)
    if isinstance(event, LoanWrittenOff | LoanClosed):
        if not requested and not _reminded(after) & _unpaid(after):  # no reminder still owed
            return None
        return ("written_off" if isinstance(event, LoanWrittenOff) else "closed"), after.episode
    if not requested:
        # A payment settling an instalment a courtesy reminder was about. Pre-due reminders are
        # decided outside any episode (episode 0 in their ids), as this withdrawal is.
        settled = _unpaid(before) - _unpaid(after)
        if isinstance(event, RepaymentPosted) and _reminded(before) & settled:
            return "cured", 0
        return None
    reason = _episode_reason(before, after, evaluated, event, day, ctx)
    return None if reason is None else (reason, after.episode)


def _episode_reason(
    before: L.Loan, after: L.Loan, evaluated: L.Loan, event: LoanInput, day: date, ctx: Context
) -> WithdrawalReason | None:
    """What ``event`` does to an open episode whose requests have gone out."""
    if isinstance(event, DelinquencyPaused):
        return "paused"
    if isinstance(event, BorrowerReplied):
        return "held" if holding(after, day) else None
    if not evaluated.in_episode:
        return "cured"
    if isinstance(event, RepaymentPosted | ChargeApplied | LoanRescheduled) and L.arrears(
        before, day, ctx.calendar
    ) != L.arrears(after, day, ctx.calendar):
        return "amount_changed"
    return None


def _episode_requested(loan: L.Loan) -> bool:
    """A request of the open episode went out (``fired`` keeps only pre-due keys at a cure)."""
    return any(key.startswith("step:") or key == "visit" for key in loan.fired)


def _reminded(loan: L.Loan) -> set[int]:
    """Instalments a pre-due reminder went out for (``pre:<instalment>:<rule>`` in ``fired``)."""
    return {int(key.split(":")[1]) for key in loan.fired if key.startswith("pre:")}


def _unpaid(loan: L.Loan) -> set[int]:
    return {i.number for i in loan.instalments if i.outstanding > 0}
