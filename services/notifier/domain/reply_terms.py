"""The terms of a promise in a borrower's own words (pure): how much, and by when.

Amounts: Arabic numerals (5000, 5,000, 1.5万, 5千, 5k), Chinese numerals (五千, 两千五, 一万二,
伍仟), with or without a unit (元, 块, ¥, RMB, CNY, $, dollars, yuan). Dates: absolute (12月20日,
15号, 下个月5号, December 20th, Jan 5, the 15th) and relative (今天, 明天, 后天, 周五, 下周五,
月底, 三天内, tomorrow, Friday, next Friday, in two days, within a week, the end of the month),
each resolved from the local day the reply arrived. A figure that is a date, a count of days or
an account's last digits is not an amount.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Final

_DIGIT: Final = {
    **dict.fromkeys("零〇", 0),
    **dict.fromkeys("一壹", 1),
    **dict.fromkeys("二贰两", 2),
    **dict.fromkeys("三叁", 3),
    **dict.fromkeys("四肆", 4),
    **dict.fromkeys("五伍", 5),
    **dict.fromkeys("六陆", 6),
    **dict.fromkeys("七柒", 7),
    **dict.fromkeys("八捌", 8),
    **dict.fromkeys("九玖", 9),
}
_UNIT: Final = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG: Final = {"万": 10_000, "萬": 10_000}
_CN_NUMBER: Final = "零〇一壹二贰两三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万萬"
_WEEKDAYS_ZH: Final = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAYS_EN: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS_EN: Final = (
    *("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
)
_SMALL_EN: Final = {
    **{"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6},
    **{"seven": 7, "ten": 10, "couple of": 2, "few": 3},
}

_ARABIC_AMOUNT: Final = re.compile(
    r"(?P<pre>¥|￥|rmb|cny|\$|usd)?\s*(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*"
    r"(?P<mult>万|千|k\b)?\s*(?P<unit>元|块|rmb\b|cny\b|yuan\b|dollars?\b|bucks\b)?"
)
_CN_AMOUNT: Final = re.compile(
    rf"[{_CN_NUMBER}]+(?=\s*(元|块|$|[^{_CN_NUMBER}号日月天点年期个周]))"
)
#: What follows a figure that is no amount: a day, a month, a count of days, a time, a number.
_NOT_AN_AMOUNT: Final = re.compile(
    r"\s*(号|日|月|天|点|年|期|个月|个|周|次|小时|分钟|%|(st|nd|rd|th)\b|days?\b|weeks?\b"
    r"|months?\b|am\b|pm\b|a month|each month|per month)"
)


def _chinese_number(text: str) -> int | None:
    """五千 5000, 两千五 2500, 一万二 12000, 十五 15; None when it is not a number."""
    total, section, digit, last_unit = 0, 0, None, 1
    for char in text:
        if char in _DIGIT:
            digit = _DIGIT[char]
        elif char in _UNIT:
            last_unit = _UNIT[char]
            section += (digit if digit is not None else 1) * last_unit
            digit = None
        elif char in _BIG:
            total = (total + section + (digit or 0)) * _BIG[char]
            section, digit, last_unit = 0, None, _BIG[char]
        else:
            return None
    if digit is not None:  # 两千五: the last digit is in the next unit down
        section += digit * (last_unit // 10 if last_unit >= 10 else 1)
    value = total + section
    return value or None


def amount(text: str) -> Decimal | None:
    """The amount the borrower names (the first one), or None."""
    lowered = text.lower()
    for match in _ARABIC_AMOUNT.finditer(lowered):
        found = _arabic(lowered, match)
        if found is not None:
            return found
    for match in _CN_AMOUNT.finditer(text):
        if re.search(r"(尾号|号码)\s*$", text[: match.start()]):
            continue
        value = _chinese_number(match.group())
        unit = text[match.end() : match.end() + 1]
        if value is not None and (value >= 100 or unit in ("元", "块")):
            return Decimal(value)
    return None


def _arabic(text: str, match: re.Match[str]) -> Decimal | None:
    raw, mult = match.group("num"), match.group("mult")
    if not raw or re.search(r"(尾号|号码|account|ending in)\s*$", text[: match.start("num")]):
        return None
    if not mult and not match.group("unit") and _NOT_AN_AMOUNT.match(text, match.end("num")):
        return None
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        return None
    value *= {"万": 10_000, "千": 1000, "k": 1000}.get(mult or "", 1)
    marked = bool(match.group("pre") or match.group("unit") or mult)
    return value if marked or value >= 100 else None


def promise_date(text: str, today: date) -> date | None:
    """The day the borrower names, resolved from ``today`` (their local day), or None."""
    lowered = text.lower()
    readers = (_relative_zh, _absolute_zh, _weekday_zh, _relative_en, _absolute_en, _weekday_en)
    for read in (*readers, _time_of_day_zh):
        found = read(lowered, today)
        if found is not None:
            return found
    return None


def _time_of_day_zh(text: str, today: date) -> date | None:
    """A time of day and no day ("下午三点前"): today."""
    return today if re.search(r"上午|中午|下午|傍晚|晚上|下班", text) else None


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _next_month(day: date, dom: int) -> date | None:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return _safe(year, month, dom)


def _safe(year: int, month: int, dom: int) -> date | None:
    try:
        return date(year, month, dom)
    except ValueError:
        return None


def _count(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    return _chinese_number(word) if word != "几" else None


def _relative_zh(text: str, today: date) -> date | None:
    words = (("大后天", 3), ("后天", 2), ("明天", 1), ("明日", 1), ("明早", 1), ("明晚", 1))
    for word, days in (*words, ("今天", 0)):
        if word in text:
            return today + timedelta(days=days)
    if re.search(r"今晚|今日|今儿", text):
        return today
    if re.search(r"月底|月末|这个月(之内|内)|本月(之内|内)", text) and "下个月" not in text:
        return _month_end(today)
    within = re.search(rf"([\d{_CN_NUMBER}]+)\s*(天|日|个?星期|周)\s*(内|之内|后|以内)", text)
    if within:
        count = _count(within.group(1))
        if count is not None:
            return today + timedelta(days=count * (1 if within.group(2) in "天日" else 7))
    return None


def _absolute_zh(text: str, today: date) -> date | None:
    full = re.search(r"(\d{1,2})\s*月\s*(\d{1,2})\s*(日|号)", text)
    if full:
        month, dom = int(full.group(1)), int(full.group(2))
        year = today.year + (1 if (month, dom) < (today.month, today.day) else 0)
        return _safe(year, month, dom)
    following = re.search(r"下个?月\s*(\d{1,2}|[一二三四五六七八九十]+)\s*(号|日)", text)
    if following:
        named = _count(following.group(1))
        return _next_month(today, named) if named else None
    if re.search(r"下个?月(底|末)", text):
        return _month_end(_next_month(today, 1) or today)
    day_only = re.search(r"(?<![\d月])(\d{1,2})\s*(号|日)", text)
    if day_only:
        dom = int(day_only.group(1))
        if dom >= today.day:
            return _safe(today.year, today.month, dom)
        return _next_month(today, dom)
    return None


def _weekday_zh(text: str, today: date) -> date | None:
    # "这周一定还": 一 of 一定 (surely), 一直, 一样 is no Monday.
    found = re.search(
        r"(下下|下个?|这个?|本)?\s*(周|星期|礼拜)(一(?![定直样起共般切些点])|[二三四五六日天])",
        text,
    )
    if not found:
        return None
    target = _WEEKDAYS_ZH[found.group(3)]
    prefix = found.group(1) or ""
    if prefix.startswith("下下"):
        return _week_of(today, 2, target)
    if prefix.startswith("下"):
        return _week_of(today, 1, target)
    if prefix:
        return _week_of(today, 0, target)
    return today + timedelta(days=(target - today.weekday()) % 7)


def _week_of(today: date, weeks_ahead: int, weekday: int) -> date:
    """``weekday`` of the week ``weeks_ahead`` after today's (weeks start on Monday)."""
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(weeks=weeks_ahead, days=weekday)


def _relative_en(text: str, today: date) -> date | None:
    if re.search(r"\b(today|tonight|this (morning|afternoon|evening))\b", text):
        return today
    if re.search(r"\btomorrow\b", text):
        return today + timedelta(days=1)
    if re.search(r"\bend of (the |this )?month\b", text):
        return _month_end(today)
    ahead = re.search(
        r"\b(in|within)\s+(a|one|two|three|four|five|six|seven|ten|couple of|few|\d+)\s+"
        r"(more\s+)?(day|days|week|weeks)\b",
        text,
    )
    if ahead:
        count = _SMALL_EN.get(ahead.group(2)) or int(ahead.group(2))
        return today + timedelta(days=count * (7 if ahead.group(4).startswith("week") else 1))
    return None


def _absolute_en(text: str, today: date) -> date | None:
    months = "|".join(_MONTHS_EN)
    named = re.search(rf"\b({months})[a-z]*\.?\s+(\d{{1,2}})(st|nd|rd|th)?\b", text)
    if named:
        month, dom = _MONTHS_EN.index(named.group(1)) + 1, int(named.group(2))
        year = today.year + (1 if (month, dom) < (today.month, today.day) else 0)
        return _safe(year, month, dom)
    day_first = re.search(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({months})[a-z]*\b", text)
    if day_first:  # "10 December", "the 3rd of Jan"
        month, dom = _MONTHS_EN.index(day_first.group(2)) + 1, int(day_first.group(1))
        year = today.year + (1 if (month, dom) < (today.month, today.day) else 0)
        return _safe(year, month, dom)
    ordinal = re.search(r"\bthe\s+(\d{1,2})(st|nd|rd|th)\b", text)
    if ordinal:
        dom = int(ordinal.group(1))
        return _safe(today.year, today.month, dom) if dom >= today.day else _next_month(today, dom)
    return None


def _weekday_en(text: str, today: date) -> date | None:
    found = re.search(rf"\b(next\s+|this\s+)?({'|'.join(_WEEKDAYS_EN)})\b", text)
    if not found:
        return None
    target = _WEEKDAYS_EN.index(found.group(2))
    if found.group(1) and found.group(1).startswith("next"):
        return _week_of(today, 1, target)
    return today + timedelta(days=(target - today.weekday()) % 7)
