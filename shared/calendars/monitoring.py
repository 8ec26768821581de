"""The calendar's coverage as metrics and start-up warnings, for every service that loads one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from prometheus_client import Gauge

from shared.calendars.model import Calendar, coverage_warnings

log = logging.getLogger(__name__)

COVERED_UNTIL: Final = Gauge(
    "dunwell_calendar_covered_until_timestamp_seconds",
    "When the calendar's data ends (Unix time): official data, or any (official or provisional).",
    ["calendar", "status"],
)
PROVISIONAL: Final = Gauge(
    "dunwell_calendar_provisional",
    "1 while today's calendar data is provisional or missing (the holiday policy applies).",
    ["calendar"],
)


def _end_of(calendar: Calendar, day: date | None) -> float:
    """The first instant after ``day`` in the calendar's zone (0 when there is no data)."""
    if day is None:
        return 0.0
    after = datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(calendar.time_zone))
    return after.timestamp()


def _now() -> datetime:
    return datetime.now(UTC)


def watch_calendar(calendar: Calendar, clock: Callable[[], datetime] = _now) -> None:
    """Export ``calendar``'s coverage and log a warning now if it needs an operator."""
    COVERED_UNTIL.labels(calendar.id, "official").set(_end_of(calendar, calendar.official_through))
    COVERED_UNTIL.labels(calendar.id, "any").set(_end_of(calendar, calendar.covered_through))

    def provisional() -> float:
        today = calendar.business_date(clock())
        return float(calendar.coverage(today) != "official")

    PROVISIONAL.labels(calendar.id).set_function(provisional)
    for warning in coverage_warnings(calendar, calendar.business_date(clock())):
        log.warning("%s", warning, extra={"calendar": calendar.id})
