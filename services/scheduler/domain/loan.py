"""A loan as the scheduler tracks it: schedule, payments, arrears, days past due, pauses.

Pure: no I/O. The state is frozen pydantic models (``state.State``), kept by the faust table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import Field

from services.scheduler.domain.calendar import BusinessCalendar
from services.scheduler.domain.state import State
from shared.events import DebtStatement, ScheduledInstalment

ZERO = Decimal(0)
PARTS = ("penalties", "fees", "interest", "principal")  # the order payments settle them


class Instalment(State):
    """One instalment: what fell due and what has been paid of each part."""

    number: int
    due_date: date
    principal: Decimal
    interest: Decimal
    fees: Decimal = ZERO
    penalties: Decimal = ZERO
    paid_principal: Decimal = ZERO
    paid_interest: Decimal = ZERO
    paid_fees: Decimal = ZERO
    paid_penalties: Decimal = ZERO

    def owed(self, part: str) -> Decimal:
        return Decimal(getattr(self, part)) - Decimal(getattr(self, f"paid_{part}"))

    @property
    def outstanding(self) -> Decimal:
        # Written out rather than summed over owed(): the daily sweep calls this millions of times.
        return (
            self.principal
            + self.interest
            + self.fees
            + self.penalties
            - self.paid_principal
            - self.paid_interest
            - self.paid_fees
            - self.paid_penalties
        )


class Pause(State):
    """An agreed extension: no ageing, no escalation from ``start`` to ``end`` (inclusive)."""

    start: date
    end: date | None = None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


class Promise(State):
    """A borrower's promise to pay ``amount`` by ``by``; ``paid_before`` is what was paid then."""

    amount: Decimal
    by: date
    paid_before: Decimal


class OpenDispute(State):
    """A dispute or complaint about the loan, open until the desk resolves it."""

    dispute_id: str
    category: Literal["dispute", "complaint"]
    opened_on: date


class BookedVisit(State):
    """The field visit slot last proposed in this episode (the desk tracks its notice)."""

    visit_id: str
    sequence: int
    starts_at: datetime
    branch_id: str


class Loan(State):
    """Everything the scheduler remembers about one loan."""

    loan_id: str
    #: None until the core system names the borrower (Fineract's overdue events name only the
    #: loan): such a loan ages, but nothing is decided for it until its borrower is known.
    debtor_id: str | None
    account_masked: str
    product: str
    currency: str
    instalments: tuple[Instalment, ...] = ()
    paid_total: Decimal = ZERO
    pauses: tuple[Pause, ...] = ()
    promise: Promise | None = None
    hold_until: date | None = None  # a borrower's request awaits an agent
    #: Open disputes and complaints: collection stops until each is resolved.
    disputes: tuple[OpenDispute, ...] = ()
    status: Literal["active", "closed", "written_off"] = "active"
    episode: int = 0
    in_episode: bool = False
    fired: frozenset[str] = frozenset()
    range_id: str | None = None
    partition: int = 0
    #: The last source offset applied, per topic: a record replayed after a crash is skipped.
    applied: dict[str, int] = Field(default_factory=dict)
    #: Ids of the latest events applied: a duplicate sent by the source is skipped.
    recent_ids: tuple[str, ...] = ()
    #: Every contact request published so far was followed by a withdrawal (nothing is left for
    #: the notifier to withdraw). False in state stored before withdrawals existed: that errs
    #: towards one withdrawal too many, never one too few.
    requests_withdrawn: bool = False
    #: Where the borrower is served (core banking's region code): chooses a visit's branch.
    region: str | None = None
    #: The episode's field visit, while one is proposed or confirmed.
    visit: BookedVisit | None = None
    #: The latest business date the loan was judged as of (its range, steps and visit): a loan is
    #: never judged as of an earlier day again, so a close of business replayed for a past day
    #: or a repayment value-dated back does not move it back a range. Unset in state stored
    #: before it was kept (and on loans no day has changed): such a loan is judged as the day says.
    evaluated_on: date | None = None

    @property
    def borrower(self) -> str:
        """The debtor id, for decisions (which are only made once the borrower is known)."""
        if self.debtor_id is None:
            raise ValueError(f"loan {self.loan_id}: no decision before its borrower is known")
        return self.debtor_id


def schedule(instalments: Sequence[ScheduledInstalment]) -> tuple[Instalment, ...]:
    return tuple(
        Instalment(
            number=i.number,
            due_date=i.due_date,
            principal=i.principal,
            interest=i.interest,
            fees=i.fees,
            penalties=i.penalties,
        )
        for i in sorted(instalments, key=lambda i: i.number)
    )


def past_due(loan: Loan, as_of: date, calendar: BusinessCalendar) -> list[Instalment]:
    """Instalments with something unpaid whose (business-day) due date has passed."""
    # A due date rolls forward, never back: one not yet passed needs neither the calendar nor
    # the sums (most of a schedule, on most days of the daily sweep).
    return [
        i
        for i in loan.instalments
        if i.due_date < as_of and i.outstanding > 0 and calendar.roll_forward(i.due_date) < as_of
    ]


def arrears(loan: Loan, as_of: date, calendar: BusinessCalendar) -> Decimal:
    return sum((i.outstanding for i in past_due(loan, as_of, calendar)), ZERO)


def paused_days(pauses: Iterable[Pause], start: date, end: date) -> int:
    """How many days of (start, end] fall inside a pause (overlapping pauses counted once)."""
    pauses = [p for p in pauses if p.start <= end and (p.end is None or p.end > start)]
    if not pauses:
        return 0
    days = {start + timedelta(days=n) for n in range(1, (end - start).days + 1)}
    return sum(1 for day in days if any(p.covers(day) for p in pauses))


def days_past_due(loan: Loan, as_of: date, calendar: BusinessCalendar) -> int:
    """Days since the oldest unpaid instalment's business-day due date, less paused days.

    Paid on (or before) the due date, or on the next business day when the due date is a
    holiday: 0. Leap days count like any other day.
    """
    return _days_past_due(past_due(loan, as_of, calendar), loan.pauses, as_of, calendar)


def _days_past_due(
    overdue: Sequence[Instalment], pauses: Iterable[Pause], as_of: date, calendar: BusinessCalendar
) -> int:
    if not overdue:
        return 0
    due = calendar.roll_forward(min(i.due_date for i in overdue))
    return max(0, (as_of - due).days - paused_days(pauses, due, as_of))


def allocate(instalments: Sequence[Instalment], amount: Decimal) -> tuple[Instalment, ...]:
    """Apply a payment oldest instalment first; within one, penalties, fees, interest, principal.
    Anything left after the last instalment is an overpayment the bank refunds or holds."""
    settled: list[Instalment] = []
    for instalment in instalments:
        if amount <= 0:  # nothing left to settle: the rest as they are
            settled.append(instalment)
            continue
        changes: dict[str, Decimal] = {}
        for part in PARTS:
            take = min(amount, instalment.owed(part))
            if take > 0:
                changes[f"paid_{part}"] = Decimal(getattr(instalment, f"paid_{part}")) + take
                amount -= take
        settled.append(instalment.model_copy(update=changes) if changes else instalment)
    return tuple(settled)


def statement(loan: Loan, as_of: date, calendar: BusinessCalendar) -> DebtStatement:
    """The itemised debt statement of everything past due, with what has been paid."""
    return LoanView.of(loan, as_of, calendar).statement()


def remaining_balance(loan: Loan) -> Decimal:
    """Everything still owed on the loan, due or not."""
    return sum((i.outstanding for i in loan.instalments), ZERO)


@dataclass(frozen=True)
class LoanView:
    """What a loan owes as of one business day, worked out once: one day's decisions read it
    many times, and the daily sweep makes them for every loan of the book."""

    as_of: date
    overdue: tuple[Instalment, ...]
    arrears: Decimal
    days_past_due: int
    balance: Decimal
    paid: Decimal
    currency: str

    @classmethod
    def of(cls, loan: Loan, as_of: date, calendar: BusinessCalendar) -> LoanView:
        # One pass, each instalment's outstanding worked out once: the same sums, in the same
        # order, as past_due, arrears and remaining_balance.
        overdue: list[Instalment] = []
        arrears = balance = ZERO
        for i in loan.instalments:
            owed = i.outstanding
            balance += owed
            if i.due_date < as_of and owed > 0 and calendar.roll_forward(i.due_date) < as_of:
                overdue.append(i)
                arrears += owed
        return cls(
            as_of=as_of,
            overdue=tuple(overdue),
            arrears=arrears,
            days_past_due=_days_past_due(overdue, loan.pauses, as_of, calendar),
            balance=balance,
            paid=loan.paid_total,
            currency=loan.currency,
        )

    @property
    def oldest_due(self) -> date:
        """The earliest due date of an overdue instalment (only asked when one is overdue)."""
        return min(i.due_date for i in self.overdue)

    def statement(self) -> DebtStatement:
        """The itemised debt statement of everything past due, with what has been paid."""
        totals = {p: sum((i.owed(p) for i in self.overdue), ZERO) for p in PARTS}
        return DebtStatement(
            as_of=self.as_of,
            currency=self.currency,
            principal=totals["principal"],
            interest=totals["interest"],
            fees=totals["fees"],
            penalties=totals["penalties"],
            paid=self.paid,
            total_outstanding=sum(totals.values(), ZERO),
            days_past_due=self.days_past_due,
        )
