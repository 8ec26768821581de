"""The calendar itself: pure, no I/O.

A year is ``official`` (the government's notice is loaded), ``provisional`` (statutory days
only, make-up working days unknown) or ``missing`` (not in the file: the statutory days are
computed from the rules, when the calendar has such rules). Only an official day is known for
certain; every other day is answered as well as the rules allow, and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Coverage = Literal["official", "provisional", "missing"]
Status = Literal["official", "provisional"]


@dataclass(frozen=True)
class YearData:
    """One year's holidays, make-up working days and no-contact days, and where they came from."""

    year: int
    status: Status
    holidays: Mapping[date, str]  # date -> the holiday's name
    working_days: frozenset[date] = frozenset()
    no_contact_days: frozenset[date] = frozenset()
    source: str = ""


@dataclass(frozen=True)
class DayInfo:
    """What the calendar says about one day."""

    day: date
    coverage: Coverage
    holiday: str | None  # the holiday's name, if it is one
    business_day: bool
    no_contact: bool

    @property
    def certain(self) -> bool:
        return self.coverage == "official"


#: Computes a year's statutory holidays and no-contact days when the file has no data for it.
StatutoryRules = Callable[[int], YearData]


def no_statutory_rules(year: int) -> YearData:
    return YearData(year=year, status="provisional", holidays={})


@dataclass(frozen=True)
class Calendar:
    """A bank's business calendar for one jurisdiction."""

    id: str = "none"
    time_zone: str = "Asia/Shanghai"
    weekend: frozenset[int] = frozenset({6, 7})  # ISO weekdays
    years: Mapping[int, YearData] = field(default_factory=dict)
    statutory: StatutoryRules = no_statutory_rules
    digest: str = ""

    def coverage(self, day: date) -> Coverage:
        found = self.years.get(day.year)
        return found.status if found else "missing"

    def year(self, year: int) -> YearData:
        """The year's data, or what the statutory rules give for a year the file lacks."""
        found = self.years.get(year)
        return found if found is not None else self.statutory(year)

    def info(self, day: date) -> DayInfo:
        data = self.year(day.year)
        holiday = data.holidays.get(day)
        weekend = day.isoweekday() in self.weekend
        working = day in data.working_days
        return DayInfo(
            day=day,
            coverage=self.coverage(day),
            holiday=holiday,
            business_day=working or (not weekend and holiday is None),
            no_contact=day in data.no_contact_days,
        )

    def is_business_day(self, day: date) -> bool:
        data = self.year(day.year)  # (the scheduler asks this often: no DayInfo built)
        if day in data.working_days:
            return True
        return day.isoweekday() not in self.weekend and day not in data.holidays

    def roll_forward(self, day: date) -> date:
        """The first business day on or after ``day`` (a due date on a holiday moves on)."""
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def business_date(self, moment: datetime) -> date:
        """The calendar date in the bank's time zone at ``moment``."""
        return moment.astimezone(ZoneInfo(self.time_zone)).date()

    @property
    def official_through(self) -> date | None:
        """The last day of the last year, counted from the first, that is officially covered
        without a gap (a later official year after a gap does not extend it)."""
        official = sorted(y for y, d in self.years.items() if d.status == "official")
        if not official:
            return None
        last = official[0]
        while last + 1 in official:
            last += 1
        return date(last, 12, 31)

    @property
    def covered_through(self) -> date | None:
        """The last day of the last year the file holds data for (official or provisional)."""
        return date(max(self.years), 12, 31) if self.years else None

    @property
    def label(self) -> str:
        return f"calendar:{self.id}#{self.digest[:12]}"


#: How long before official data runs out the operators are warned (and alerted).
WARN_AHEAD = timedelta(days=60)


def coverage_warnings(calendar: Calendar, today: date) -> list[str]:
    """What an operator must hear about ``calendar`` on ``today`` (empty when all is well)."""
    through = calendar.official_through
    warnings: list[str] = []
    if calendar.coverage(today) != "official":
        warnings.append(
            f"calendar {calendar.id} has no official data for {today.year}: the gate applies "
            "the holiday policy every day; load the State Council notice"
        )
    elif through is not None and through - today <= WARN_AHEAD:
        warnings.append(
            f"calendar {calendar.id}: official data ends {through.isoformat()}; "
            f"load the notice for {through.year + 1}"
        )
    return warnings
