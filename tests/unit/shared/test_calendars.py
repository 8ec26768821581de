"""The operator calendar: its data against independent sources, its loader, its coverage."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import holidays
import pytest
import yaml

from shared.calendars import CALENDARS_DIR, load_calendar, load_calendars, read_calendar
from shared.calendars.china import statutory_year
from shared.errors import ConfigurationError

CN = load_calendar(CALENDARS_DIR / "cn.yaml")


def _days(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days)]


def test_2026_is_official_and_agrees_with_the_published_notice_day_by_day() -> None:
    # chinese-calendar transcribes the State Council notices: an independent copy of the data.
    assert CN.coverage(date(2026, 6, 1)) == "official"
    for day in _days(2026):
        assert CN.info(day).business_day == chinese_calendar.is_workday(day), day


def _named(day: date) -> bool:
    return chinese_calendar.get_holiday_detail(day)[1] is not None


def test_2026_holidays_and_make_up_days_match_the_notice_exactly() -> None:
    ours = {d for d in _days(2026) if CN.info(d).holiday is not None}
    notice = {d for d in _days(2026) if chinese_calendar.is_holiday(d) and _named(d)}
    assert ours == notice
    working = {d for d in _days(2026) if d.isoweekday() > 5 and chinese_calendar.is_workday(d)}
    assert CN.year(2026).working_days == working


# From 2027 on, the library has no notice loaded either and computes the statute's days.
@pytest.mark.parametrize("year", range(2027, 2036))
def test_computed_statutory_days_agree_with_an_independent_implementation(year: int) -> None:
    # The holidays library computes China's statutory days (Decree No. 798) on its own; it adds
    # "observed" substitute days, which are the yearly notice's business, not the statute's.
    theirs = {
        d
        for d, name in holidays.country_holidays("CN", years=year).items()
        if "observed" not in name
    }
    computed = statutory_year(year)
    assert set(computed.holidays) == theirs
    eve = next(
        d for d, name in holidays.country_holidays("CN", years=year).items() if "Eve" in name
    )
    assert computed.no_contact_days == {eve, eve + timedelta(days=1)}


def test_the_shipped_provisional_2027_is_what_the_statutory_rules_give() -> None:
    shipped = CN.year(2027)
    assert shipped.status == "provisional"
    computed = statutory_year(2027)
    assert dict(shipped.holidays) == dict(computed.holidays)
    assert (
        shipped.no_contact_days
        == computed.no_contact_days
        == {
            date(2027, 2, 5),
            date(2027, 2, 6),
        }
    )
    assert shipped.working_days == frozenset()


def test_coverage_and_its_limits() -> None:
    assert CN.official_through == date(2026, 12, 31)
    assert CN.covered_through == date(2027, 12, 31)
    assert CN.coverage(date(2027, 5, 1)) == "provisional"
    assert CN.coverage(date(2029, 5, 1)) == "missing"
    assert CN.info(date(2029, 5, 1)).holiday == "劳动节"  # computed
    assert not CN.info(date(2029, 5, 1)).certain


def test_due_dates_roll_over_holidays_and_make_up_days_count() -> None:
    assert CN.roll_forward(date(2026, 10, 1)) == date(2026, 10, 8)
    assert CN.is_business_day(date(2026, 10, 10))  # a Saturday made a working day
    assert CN.roll_forward(date(2027, 2, 5)) == date(2027, 2, 9)  # provisional: statutory only
    assert CN.roll_forward(date(2028, 1, 25)) == date(2028, 1, 31)  # computed; then a weekend


def _document(**years: object) -> str:
    doc = {"calendar": {"id": "x", "time_zone": "Asia/Shanghai"}, "years": years}
    return yaml.safe_dump(doc, allow_unicode=True)


@pytest.mark.parametrize(
    ("year", "match"),
    [
        (
            {
                "status": "provisional",
                "source": {"title": "t"},
                "holidays": [],
                "working_days": ["2027-01-02"],
            },
            "provisional year has no make-up days",
        ),
        (
            {
                "status": "official",
                "source": {"title": "t"},
                "holidays": [{"name": "h", "from": "2026-01-01", "to": "2026-01-01"}],
            },
            "outside 2027",
        ),
        (
            {
                "status": "official",
                "source": {"title": "t"},
                "holidays": [{"name": "h", "from": "2027-01-03", "to": "2027-01-01"}],
            },
            "ends before",
        ),
        ({"status": "maybe", "source": {"title": "t"}, "holidays": []}, "invalid"),
        ({"status": "official", "holidays": []}, "invalid"),
    ],
)
def test_malformed_calendars_are_refused_with_a_reason(year: object, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        read_calendar(_document(**{"2027": year}))


def test_an_unknown_time_zone_and_a_duplicate_id_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="unknown time zone"):
        read_calendar(
            yaml.safe_dump({"calendar": {"id": "x", "time_zone": "Mars/Base"}, "years": {}})
        )
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(_document(), encoding="utf-8")
    with pytest.raises(ConfigurationError, match="share an id"):
        load_calendars(tmp_path)


def test_official_coverage_stops_at_the_first_gap() -> None:
    year = {"status": "official", "source": {"title": "t"}, "holidays": []}
    calendar = read_calendar(_document(**{"2026": year, "2028": year}))
    assert calendar.official_through == date(2026, 12, 31)
    assert calendar.covered_through == date(2028, 12, 31)


def test_the_scheduler_and_the_notifier_read_one_and_the_same_calendar() -> None:
    from services.notifier.domain.policy.loading import load_pack
    from services.notifier.domain.policy.rules import HolidayRule
    from services.notifier.settings import Settings as NotifierSettings
    from services.scheduler.bootstrap import plan_context
    from services.scheduler.settings import Settings as SchedulerSettings

    scheduler = plan_context(SchedulerSettings()).calendar
    notifier = load_pack("cn", NotifierSettings().calendars_dir).of_type(HolidayRule)[0].bound
    assert scheduler.digest == notifier.digest == CN.digest
    # The same answers, day by day, across the official, provisional and computed years.
    for day in _days(2026) + _days(2027) + _days(2028):
        assert scheduler.info(day) == notifier.info(day)
