"""What every decision is made with (the strategy and the calendar) and what it yields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from services.scheduler.domain import loan as L  # noqa: N812 - the loan module's vocabulary, qualified
from services.scheduler.domain.branches import BranchList
from services.scheduler.domain.calendar import BusinessCalendar
from services.scheduler.domain.strategy import Strategy
from shared.events import (
    ApplyCaseAction,
    BorrowerReplied,
    BusinessDayClosed,
    Event,
    LoanEvent,
    ResolveDispute,
)

#: What the planner applies to a loan: core banking's loan events, the borrower's replies, and
#: what the borrower agreed or asked for on a call or to an agent, and a dispute's resolution.
LoanInput = LoanEvent | BorrowerReplied | ApplyCaseAction | ResolveDispute
LOAN_INPUTS = (*LoanEvent.__args__, BorrowerReplied, ApplyCaseAction, ResolveDispute)

#: No branch list: every due visit is held for a person.
NO_BRANCHES = BranchList()


@dataclass(frozen=True)
class Context:
    strategy: Strategy
    calendar: BusinessCalendar
    #: Where field visits can be held; none listed: a due visit is held for a person.
    branches: BranchList = NO_BRANCHES


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
