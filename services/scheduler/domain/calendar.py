"""The bank's business calendar, as the scheduler uses it: the shared calendar model
(``shared/calendars``), which the notifier's gate reads too."""

from __future__ import annotations

from shared.calendars.model import Calendar

BusinessCalendar = Calendar
