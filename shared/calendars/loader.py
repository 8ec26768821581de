"""Reading calendars from their YAML files; a malformed file is a clear configuration error."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.calendars.china import statutory_year
from shared.calendars.model import Calendar, StatutoryRules, YearData, no_statutory_rules
from shared.errors import ConfigurationError
from shared.zones import TimeZoneName

CALENDARS_DIR = Path(__file__).resolve().parent
RULES: dict[str, StatutoryRules] = {"cn": statutory_year, "none": no_statutory_rules}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Header(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    time_zone: TimeZoneName
    weekend: list[int] = [6, 7]
    statutory_rules: Literal["cn", "none"] = "none"


class Holiday(_Frozen):
    name: str
    from_: date = Field(alias="from")
    to: date


class Source(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")
    title: str


class Year(_Frozen):
    status: Literal["official", "provisional"]
    source: Source
    holidays: list[Holiday]
    working_days: list[date] = []
    no_contact_days: list[date] = []


class Document(_Frozen):
    calendar: Header
    years: dict[int, Year]


def _year(number: int, year: Year) -> YearData:
    days: dict[date, str] = {}
    for holiday in year.holidays:
        if holiday.to < holiday.from_:
            raise ConfigurationError(f"calendar {number}: {holiday.name} ends before it starts")
        day = holiday.from_
        while day <= holiday.to:
            days[day] = holiday.name
            day += timedelta(days=1)
    dates = [*days, *year.working_days, *year.no_contact_days]
    if any(d.year != number for d in dates):
        raise ConfigurationError(f"calendar {number}: a date outside {number}")
    if year.status == "provisional" and year.working_days:
        raise ConfigurationError(f"calendar {number}: a provisional year has no make-up days")
    return YearData(
        year=number,
        status=year.status,
        holidays=dict(sorted(days.items())),
        working_days=frozenset(year.working_days),
        no_contact_days=frozenset(year.no_contact_days),
        source=year.source.title,
    )


def read_calendar(text: str) -> Calendar:
    """A calendar from its YAML text; raises :class:`ConfigurationError` if malformed."""
    try:
        document = Document.model_validate(yaml.safe_load(text))
    except (yaml.YAMLError, ValidationError) as e:
        raise ConfigurationError(f"business calendar is invalid: {e}") from e
    header = document.calendar
    return Calendar(
        id=header.id,
        time_zone=header.time_zone,
        weekend=frozenset(header.weekend),
        years={n: _year(n, y) for n, y in document.years.items()},
        statutory=RULES[header.statutory_rules],
        digest=hashlib.sha256(text.encode()).hexdigest(),
    )


def load_calendar(path: Path) -> Calendar:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigurationError(f"cannot read business calendar {path}: {e}") from e
    return read_calendar(text)


def load_calendars(directory: Path = CALENDARS_DIR) -> dict[str, Calendar]:
    """Every ``*.yaml`` calendar in ``directory``, by id."""
    found = [load_calendar(p) for p in sorted(directory.glob("*.yaml"))]
    by_id = {c.id: c for c in found}
    if len(by_id) != len(found):
        raise ConfigurationError(f"two calendars share an id in {directory}")
    return by_id
