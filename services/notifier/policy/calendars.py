"""Holiday calendars. A year the calendar does not cover fails closed: nothing is sent."""

from __future__ import annotations

from datetime import date
from typing import Protocol

import chinese_calendar


class CalendarMissing(Exception):
    """The calendar has no data for the year asked about."""


class HolidayCalendar(Protocol):
    def is_holiday(self, day: date) -> bool:
        """Whether ``day`` is a statutory holiday; raises :class:`CalendarMissing`."""
        ...


class ChinaStatutoryCalendar:
    """China's State Council holiday arrangement (with make-up workdays), as published yearly."""

    def is_holiday(self, day: date) -> bool:
        try:
            holiday, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError as e:
            raise CalendarMissing(f"no China holiday calendar for {day.year}") from e
        return bool(holiday and name is not None)


class NoHolidays:
    """For packs with no holiday rules: every year is covered and no day is special."""

    def is_holiday(self, day: date) -> bool:
        return False


CALENDARS: dict[str, HolidayCalendar] = {
    "cn_statutory": ChinaStatutoryCalendar(),
    "none": NoHolidays(),
}
