"""China's statutory holidays, computed from the rules when no notice has been loaded.

《全国年节及纪念日放假办法》 as amended by State Council Decree No. 798 (2024-11-10, in force
2025-01-01), Art. 2: 元旦 1 day (1 January); 春节 4 days (农历除夕 and 正月初一 to 初三); 清明节
1 day (the day of the Qingming solar term); 劳动节 2 days (1-2 May); 端午节 1 day (农历五月初五);
中秋节 1 day (农历八月十五); 国庆节 3 days (1-3 October). The yearly notice adds bridging days
and make-up working days (调休), which no rule can predict: a computed year has none.
Lunar dates and solar terms come from the lunar-python library.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from lunar_python import Lunar

from shared.calendars.model import YearData

SOURCE = "全国年节及纪念日放假办法 (Decree No. 798), statutory days computed"


def _solar(lunar: Lunar) -> date:
    solar = lunar.getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def spring_festival(year: int) -> date:
    """正月初一 of the lunar year that begins in ``year``."""
    return _solar(Lunar.fromYmd(year, 1, 1))


def qingming(year: int) -> date:
    solar = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


@lru_cache(maxsize=64)
def statutory_year(year: int) -> YearData:
    """The statutory holidays and the Spring Festival no-contact days of ``year``."""
    new_year = spring_festival(year)
    eve = new_year - timedelta(days=1)
    days: dict[date, str] = {date(year, 1, 1): "元旦"}
    days |= {eve + timedelta(days=n): "春节" for n in range(4)}
    days[qingming(year)] = "清明节"
    days |= {date(year, 5, d): "劳动节" for d in (1, 2)}
    days[_solar(Lunar.fromYmd(year, 5, 5))] = "端午节"
    days[_solar(Lunar.fromYmd(year, 8, 15))] = "中秋节"
    days |= {date(year, 10, d): "国庆节" for d in (1, 2, 3)}
    return YearData(
        year=year,
        status="provisional",
        holidays=dict(sorted(days.items())),
        no_contact_days=frozenset({eve, new_year}),
        source=SOURCE,
    )
