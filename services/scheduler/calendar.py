"""The bank's business calendar, as the scheduler uses it: the shared calendar data
(``shared/calendars``), which the notifier's gate reads too."""

from __future__ import annotations

from shared.calendars import Calendar, load_calendar, read_calendar

BusinessCalendar = Calendar

__all__ = ["BusinessCalendar", "load_calendar", "read_calendar"]
