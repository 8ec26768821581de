"""SLA due times in the bank's business calendar (China's 2026 official calendar)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from services.desk.domain.sla import SlaPolicy, add_business_days, due_at, previous_business_day
from tests.support.desk import CN

FAR = date(2026, 12, 31)  # a scheduler day that does not cap


def shanghai(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour)).replace(tzinfo=UTC) - (
        datetime(2000, 1, 1, 8) - datetime(2000, 1, 1)
    )


def test_two_business_days_skip_the_national_day_week() -> None:
    opened = shanghai(date(2026, 9, 30), 10)  # Wednesday before 国庆节 (1-7 October)
    due = due_at(SlaPolicy(), CN, kind="extension_request", opened_at=opened, due_by=FAR)
    assert due == shanghai(date(2026, 10, 9), 18)


def test_a_make_up_working_saturday_counts() -> None:
    opened = shanghai(date(2026, 10, 8), 9)  # Thursday; Saturday 10 October is 调休, worked
    due = due_at(SlaPolicy(), CN, kind="extension_request", opened_at=opened, due_by=FAR)
    assert due == shanghai(date(2026, 10, 10), 18)


def test_the_day_is_the_banks_not_utc() -> None:
    # 23:30 UTC on Tuesday 3 March is Wednesday 07:30 in Shanghai: counting starts Wednesday.
    opened = datetime(2026, 3, 3, 23, 30, tzinfo=UTC)
    due = due_at(SlaPolicy(), CN, kind="dispute", opened_at=opened, due_by=FAR)
    assert due == shanghai(date(2026, 3, 5), 18)


def test_a_task_opened_on_a_weekend_counts_from_monday() -> None:
    opened = shanghai(date(2026, 3, 7), 11)  # Saturday
    due = due_at(SlaPolicy(), CN, kind="dispute", opened_at=opened, due_by=FAR)
    assert due == shanghai(date(2026, 3, 10), 18)  # Monday is day 0, Tuesday day 1


def test_the_schedulers_day_caps_the_policy() -> None:
    opened = shanghai(date(2026, 3, 4), 10)
    due = due_at(SlaPolicy(days={"x": 10}), CN, kind="x", opened_at=opened, due_by=date(2026, 3, 6))
    assert due == shanghai(date(2026, 3, 6), 18)


def visit_due(appointment: date) -> datetime:
    """When the task of a field visit on ``appointment``, opened Wednesday 4 March 10:00, is due."""
    opened = shanghai(date(2026, 3, 4), 10)
    policy = SlaPolicy()
    return due_at(
        policy, CN, kind="field_visit", opened_at=opened, due_by=FAR, appointment=appointment
    )


def test_a_visit_is_prepared_the_business_day_before() -> None:
    # A Monday: prepared by Friday 6 March.
    assert visit_due(date(2026, 3, 9)) == shanghai(date(2026, 3, 6), 18)


def test_a_visit_due_tomorrow_is_due_today_not_in_the_past() -> None:
    assert visit_due(date(2026, 3, 4)) == shanghai(date(2026, 3, 4), 18)


def test_unknown_kinds_take_the_default_and_close_of_business_is_set() -> None:
    policy = SlaPolicy(days={}, default_days=0, close_of_business=time(17, 30))
    opened = shanghai(date(2026, 3, 4), 10)
    due = due_at(policy, CN, kind="new_kind", opened_at=opened, due_by=FAR)
    assert due == shanghai(date(2026, 3, 4), 17) + (datetime(1, 1, 1, 0, 30) - datetime(1, 1, 1))


def test_business_day_helpers() -> None:
    assert add_business_days(CN, date(2026, 2, 13), 1) == date(2026, 2, 14)  # 调休 Saturday
    assert add_business_days(CN, date(2026, 2, 15), 0) == date(2026, 2, 24)  # after 春节
    assert previous_business_day(CN, date(2026, 10, 8)) == date(2026, 9, 30)
