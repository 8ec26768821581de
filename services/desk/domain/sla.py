"""When a task is due: business days in the bank's calendar, ending at close of business.

A task opened on day D (in the bank's time zone) is due at close of business on the N-th
business day after D, N by the task's kind; a task opened on a day that is no business day
counts from the next one. The scheduler's own ``due_by`` caps it (the earlier wins, at close
of business of that day), and a field visit is due the business day before its appointment,
so the agent prepares it in time. Holidays and make-up working days come from the same calendar
the scheduler and the notifier read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.calendars import Calendar

#: A bank's defaults (``SLA_DAYS`` replaces them): what stops or questions collection first.
DEFAULT_DAYS: dict[str, int] = {
    "dispute": 1,
    "complaint": 1,
    "already_paid": 1,
    "wrong_party": 1,
    "promise_broken": 1,
    "extension_request": 2,
    "instalment_request": 2,
    "field_visit": 3,
}


@dataclass(frozen=True)
class SlaPolicy:
    """Business days per task kind, and the local time a business day closes."""

    days: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_DAYS))
    default_days: int = 2
    close_of_business: time = time(18, 0)

    def days_for(self, kind: str) -> int:
        return self.days.get(kind, self.default_days)


def add_business_days(calendar: Calendar, day: date, count: int) -> date:
    """The ``count``-th business day after ``day`` (``day`` itself when count is 0 and it is a
    business day; the next business day otherwise).

    :param calendar: the bank's business calendar.
    :param day: where counting starts.
    :param count: business days to add (0 or more).
    """
    current = calendar.roll_forward(day)
    for _ in range(count):
        current = calendar.roll_forward(current + timedelta(days=1))
    return current


def previous_business_day(calendar: Calendar, day: date) -> date:
    """The last business day strictly before ``day``."""
    current = day - timedelta(days=1)
    while not calendar.is_business_day(current):
        current -= timedelta(days=1)
    return current


def due_at(
    policy: SlaPolicy,
    calendar: Calendar,
    *,
    kind: str,
    opened_at: datetime,
    due_by: date,
    appointment: date | None = None,
) -> datetime:
    """The instant (aware, UTC) a task is due.

    :param policy: business days per kind and the close of business.
    :param calendar: the bank's calendar (its time zone places the days).
    :param kind: the task's kind.
    :param opened_at: when the task was opened.
    :param due_by: the scheduler's day for it.
    :param appointment: a field visit's date, if any.
    """
    zone = ZoneInfo(calendar.time_zone)
    opened = calendar.business_date(opened_at)
    day = add_business_days(calendar, opened, policy.days_for(kind))
    day = min(day, calendar.roll_forward(due_by))
    if appointment is not None:
        day = min(day, max(previous_business_day(calendar, appointment), opened))
    closing = datetime.combine(day, policy.close_of_business, tzinfo=zone)
    return closing.astimezone(ZoneInfo("UTC"))
