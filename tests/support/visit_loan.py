"""A loan large enough for the scheduler's field visit, for the component tests of the
scheduler's agent and for the flows on the real broker alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from shared.events import LoanOpened, ScheduledInstalment
from shared.testing.factories import random_ref


def _months_on(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, day.day)


def large_loan(
    first_due: date,
    *,
    loan_id: str | None = None,
    debtor_id: str | None = None,
    region: str | None = "310115",
) -> LoanOpened:
    """Opened a month before ``first_due``: 120,000 CNY in three monthly instalments of 40,800
    (principal and interest) from ``first_due``, in ``region`` (a branch's there by default);
    fresh ids unless given."""
    return LoanOpened(
        event_id=random_ref("open"),
        occurred_at=datetime.combine(_months_on(first_due, -1), time(2), UTC),
        loan_id=loan_id or random_ref("loan"),
        debtor_id=debtor_id or random_ref("debtor"),
        account_number="6222020012345678",
        product="personal-loan",
        currency="CNY",
        principal=Decimal(120000),
        schedule=tuple(
            ScheduledInstalment(
                number=n + 1,
                due_date=_months_on(first_due, n),
                principal=Decimal(40000),
                interest=Decimal(800),
            )
            for n in range(3)
        ),
        region=region,
    )
