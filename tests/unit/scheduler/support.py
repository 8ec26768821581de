"""Loans, calendars and strategies for scheduler unit tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from services.scheduler.domain.branches import load_branches
from services.scheduler.domain.planner import Context
from services.scheduler.domain.strategy import load_strategy
from shared.calendars import Calendar, YearData
from shared.events import LoanOpened, ScheduledInstalment

CONFIG = Path(__file__).parents[3] / "services" / "scheduler" / "config"
STRATEGY_FILE = CONFIG / "strategy.yaml"
BRANCHES = load_branches((CONFIG / "branches.yaml").read_text(encoding="utf-8"))
CALENDAR = Calendar(
    id="test",
    time_zone="Asia/Shanghai",
    years={
        2026: YearData(
            year=2026,
            status="official",
            holidays=dict.fromkeys((date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5)), "h"),
            working_days=frozenset({date(2026, 10, 10)}),
        )
    },
)
CONTEXT = Context(load_strategy(STRATEGY_FILE.read_text()), CALENDAR, BRANCHES)


def at(day: date) -> datetime:
    """Mid-morning in Shanghai on ``day``, as UTC."""
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


def opened(
    loan_id: str = "loan-1",
    *,
    first_due: date = date(2026, 3, 10),
    count: int = 3,
    principal: str = "1000",
    interest: str = "50",
    opened_on: date = date(2026, 2, 10),
    debtor_id: str = "debtor-1",
    product: str = "personal-loan",
    region: str | None = "310115",
) -> LoanOpened:
    schedule = tuple(
        ScheduledInstalment(
            number=n + 1,
            due_date=date(
                first_due.year + (first_due.month + n - 1) // 12,
                (first_due.month + n - 1) % 12 + 1,
                first_due.day,
            ),
            principal=Decimal(principal),
            interest=Decimal(interest),
        )
        for n in range(count)
    )
    return LoanOpened(
        event_id=f"open-{loan_id}",
        occurred_at=at(opened_on),
        loan_id=loan_id,
        debtor_id=debtor_id,
        account_number="6222020012345678",
        product=product,
        currency="CNY",
        principal=Decimal(principal) * count,
        schedule=schedule,
        region=region,
    )
