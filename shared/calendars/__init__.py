"""Business and holiday calendars: operator data (YAML), one format for every service.

The scheduler rolls due dates and counts days past due with it; the notifier's compliance gate
applies its holiday rules with it. Both load the same file, so they cannot disagree.
"""

from shared.calendars.loader import CALENDARS_DIR, load_calendar, load_calendars, read_calendar
from shared.calendars.model import (
    WARN_AHEAD,
    Calendar,
    Coverage,
    DayInfo,
    YearData,
    coverage_warnings,
)

__all__ = [
    "CALENDARS_DIR",
    "WARN_AHEAD",
    "Calendar",
    "Coverage",
    "DayInfo",
    "YearData",
    "coverage_warnings",
    "load_calendar",
    "load_calendars",
    "read_calendar",
]
