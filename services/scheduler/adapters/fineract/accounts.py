"""Fineract's loan accounts onto the loan's schedule: LoanAccountDataV1 to opened, rescheduled,
closed and written-off loans.

Every Fineract loan event without a dedicated serializer carries the whole account
(LoanAccountDataV1: the client, the status and the repayment schedule). A loan is opened from the
first one that finds it active (disbursed), with what is still owed on each instalment, so a loan
Dunwell first sees mid-life starts from Fineract's own balances; the client id links it to its
borrower. A reschedule replaces the unpaid instalments. Later snapshots of a loan already open
change nothing: repayments, charges and pauses arrive as their own events.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Final

from shared.events import (
    Event,
    LoanClosed,
    LoanOpened,
    LoanRescheduled,
    LoanWrittenOff,
    ScheduledInstalment,
    derived_event_id,
)

Payload = dict[str, Any]

#: Loan events that change the schedule of a disbursed loan.
RESCHEDULES: Final = frozenset(
    {
        "LoanRescheduledDueAdjustScheduleBusinessEvent",
        "LoanRescheduledDueCalendarChangeBusinessEvent",
        "LoanRescheduledDueHolidayBusinessEvent",
        "LoanReAgeBusinessEvent",
        "LoanUndoReAgeBusinessEvent",
        "LoanReAmortizeBusinessEvent",
        "LoanUndoReAmortizeBusinessEvent",
        "LoanScheduleVariationsAddedBusinessEvent",
        "LoanScheduleVariationsDeletedBusinessEvent",
        "LoanInterestRecalculationBusinessEvent",
    }
)
#: Undoing the disbursal leaves nothing owed: collection stops as for a closed loan.
UNDONE: Final = frozenset({"LoanUndoDisbursalBusinessEvent"})
PRODUCT: Final = "fineract-loan"
_PARTS: Final = (
    ("principal", "principal"),
    ("interest", "interest"),
    ("fees", "feeCharges"),
    ("penalties", "penaltyCharges"),
)


def _money(value: Decimal | None) -> Decimal:
    return (value or Decimal(0)).quantize(Decimal("0.0001"))


def outstanding_schedule(account: Payload) -> tuple[ScheduledInstalment, ...]:
    """The instalments (period ≥ 1, the disbursement rows left out) with what is still owed."""
    periods = (account.get("repaymentSchedule") or {}).get("periods") or ()
    return tuple(
        ScheduledInstalment(
            number=p["period"],
            due_date=date.fromisoformat(p["dueDate"]),
            **{ours: _owed(p, theirs) for ours, theirs in _PARTS},
        )
        for p in periods
        if p.get("period") and p.get("dueDate")
    )


def _owed(period: Payload, part: str) -> Decimal:
    outstanding = period.get(f"{part}Outstanding")
    if outstanding is not None:
        return _money(outstanding)
    return _money(period.get(f"{part}Due")) - _money(period.get(f"{part}Paid"))


def currency(account: Payload) -> str:
    for holder in (account.get("repaymentSchedule"), account.get("summary"), account):
        code = ((holder or {}).get("currency") or {}).get("code")
        if code:
            return str(code)
    return "CNY"


def account_number(value: str | None, loan_id: Any) -> str:
    digits = "".join(ch for ch in (value or str(loan_id)) if ch.isdigit())
    return digits.rjust(6, "0")


def loan_events(base: dict[str, Any], event_type: str, account: Payload) -> tuple[Event, ...]:
    """The Dunwell events a loan account snapshot calls for (none for a loan not yet disbursed,
    a loan of no client, or a snapshot that changes nothing Dunwell keeps)."""
    if account.get("id") is None:
        raise ValueError("a loan account without its id")
    status = account.get("status") or {}
    loan = {**base, "loan_id": str(account["id"])}
    if status.get("closedWrittenOff"):
        return (LoanWrittenOff(**loan),)
    if status.get("closed") or event_type in UNDONE:
        return (LoanClosed(**loan),)
    if not status.get("active") or account.get("clientId") is None:
        return ()
    schedule = outstanding_schedule(account)
    if not schedule:
        return ()
    opened = LoanOpened(
        **loan,
        debtor_id=str(account["clientId"]),
        account_number=account_number(account.get("accountNo"), account["id"]),
        product=PRODUCT,
        currency=currency(account),
        principal=_money(account.get("principal")),
        schedule=schedule,
    )
    if event_type not in RESCHEDULES:
        return (opened,)
    unpaid = tuple(i for i in schedule if i.principal + i.interest + i.fees + i.penalties > 0)
    rescheduled = LoanRescheduled(
        **{**loan, "event_id": derived_event_id(str(base["event_id"]), "rescheduled")},
        schedule=unpaid or schedule,
    )
    return (opened, rescheduled)
