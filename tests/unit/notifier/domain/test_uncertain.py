"""When an uncertain send is asked about again: soon, then less and less often, up to a cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.notifier.domain.uncertain import Backoff, UncertainSummary

NOW = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)


def test_each_wait_doubles_the_last_up_to_the_cap() -> None:
    backoff = Backoff(first=timedelta(seconds=10), cap=timedelta(minutes=5))
    waits = [(backoff.after(n, NOW) - NOW).total_seconds() for n in range(8)]
    assert waits == [10, 20, 40, 80, 160, 300, 300, 300]
    assert backoff.after(10_000, NOW) == NOW + timedelta(minutes=5)  # no overflow


def test_the_oldest_age_is_zero_when_none_waits() -> None:
    assert UncertainSummary(0, None).oldest_age_s(NOW) == 0.0
    assert UncertainSummary(2, NOW - timedelta(minutes=3)).oldest_age_s(NOW) == 180.0
