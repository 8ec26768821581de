"""Whether a request is still true at the moment it would go out, on the debtor's local date."""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.notifier.domain.freshness import local_today, stale_reason
from shared.testing.factories import contact_request


def test_the_latest_local_date_among_the_debtors_zones_counts() -> None:
    late_evening_utc = datetime(2026, 3, 4, 20, 0, tzinfo=UTC)  # 04:00 on the 5th in Shanghai
    assert local_today(late_evening_utc, ("America/Bogota",)) == date(2026, 3, 4)
    assert local_today(late_evening_utc, ("America/Bogota", "Asia/Shanghai")) == date(2026, 3, 5)


def test_an_overdue_notice_is_true_up_to_its_pay_by_date() -> None:
    request = contact_request()  # pay by 2026-03-11
    assert stale_reason(request, date(2026, 3, 11)) is None
    assert stale_reason(request, date(2026, 3, 12)) == "the pay-by date 2026-03-11 has passed"


def test_a_reminder_is_stale_once_its_instalment_is_due_and_past() -> None:
    request = contact_request(purpose="pre_due_reminder", due_date=date(2026, 3, 8))
    assert stale_reason(request, date(2026, 3, 8)) is None
    reason = stale_reason(request, date(2026, 3, 9))
    assert reason == "the instalment due 2026-03-08 is no longer ahead"


def test_a_visit_notice_is_stale_on_the_day_of_the_visit() -> None:
    request = contact_request(purpose="visit_notice", appointment=date(2026, 3, 6))
    assert stale_reason(request, date(2026, 3, 5)) is None
    assert stale_reason(request, date(2026, 3, 6)) == "the visit on 2026-03-06 is no longer ahead"
