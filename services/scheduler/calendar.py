"""The bank's business calendar: which days are business days, and the business date now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from shared.errors import ConfigurationError


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekends and public holidays, with the make-up working days some countries move onto
    weekends (China's 调休)."""

    time_zone: str = "Asia/Shanghai"
    weekend: frozenset[int] = frozenset({5, 6})  # Saturday, Sunday
    holidays: frozenset[date] = field(default_factory=frozenset)
    working_weekends: frozenset[date] = field(default_factory=frozenset)
    years: frozenset[int] = field(default_factory=frozenset)

    def is_business_day(self, day: date) -> bool:
        if day in self.working_weekends:
            return True
        return day.weekday() not in self.weekend and day not in self.holidays

    def roll_forward(self, day: date) -> date:
        """The first business day on or after ``day`` (a due date on a holiday moves on)."""
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def business_date(self, moment: datetime) -> date:
        """The calendar date in the bank's time zone at ``moment``."""
        return moment.astimezone(ZoneInfo(self.time_zone)).date()


def load_calendar(document: dict[str, Any]) -> BusinessCalendar:
    """Build a calendar from its YAML document; a clear error for anything malformed."""
    try:
        holidays = frozenset(date.fromisoformat(str(d)) for d in document.get("holidays", []))
        working = frozenset(
            date.fromisoformat(str(d)) for d in document.get("working_weekends", [])
        )
        zone = str(document.get("time_zone", "Asia/Shanghai"))
        ZoneInfo(zone)
    except (ValueError, TypeError, KeyError) as e:
        raise ConfigurationError(f"business calendar: {e}") from e
    return BusinessCalendar(
        time_zone=zone,
        holidays=holidays,
        working_weekends=working,
        years=frozenset(d.year for d in holidays),
    )


def read_calendar(text: str) -> BusinessCalendar:
    loaded = yaml.safe_load(text)
    if not isinstance(loaded, dict):
        raise ConfigurationError("business calendar: expected a mapping")
    return load_calendar(loaded)
