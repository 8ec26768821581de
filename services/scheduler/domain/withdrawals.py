"""Withdrawals: which published contact requests an event makes stale, and why.

A withdrawal covers only what was published before it; its id derives from the loan, the
episode, the reason and the event, so a replay withdraws the same requests with the same event.
"""

from __future__ import annotations

from datetime import date

from services.scheduler.domain import loan as L  # noqa: N812 - the loan module's vocabulary, qualified
from services.scheduler.domain.context import Context, LoanInput, stamp
from services.scheduler.domain.decisions import holding
from shared.dunwell_events import WithdrawalReason
from shared.events import (
    ApplyCaseAction,
    BorrowerReplied,
    ChargeApplied,
    ContactWithdrawn,
    DelinquencyPaused,
    LoanClosed,
    LoanRescheduled,
    LoanWrittenOff,
    RepaymentPosted,
    derived_event_id,
)


def withdrawals(
    before: L.Loan, after: L.Loan, evaluated: L.Loan, event: LoanInput, day: date, ctx: Context
) -> tuple[ContactWithdrawn, ...]:
    """What ``event`` makes stale among the requests published for the loan and not withdrawn.

    ``before`` is the loan as the event found it, ``after`` the event applied, ``evaluated`` the
    strategy run on it (where an episode ends).
    """
    if before.status != "active" or before.requests_withdrawn or before.debtor_id is None:
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
            debtor_id=after.borrower,
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
    if isinstance(event, BorrowerReplied | ApplyCaseAction):
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
