"""A promise's terms in the borrower's words: amounts and days."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.notifier.domain.reply_terms import amount, promise_date

WEDNESDAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("还5000元", "5000"),
        ("五千", "5000"),
        ("5千", "5000"),
        ("伍仟元", "5000"),
        ("两千五", "2500"),
        ("一万二", "12000"),
        ("1.5万", "15000"),
        ("六千八", "6800"),
        ("八百块", "800"),
        ("¥5,000", "5000"),
        ("1,200.50", "1200.50"),
        ("rmb 1500", "1500"),
        ("$500", "500"),
        ("5k", "5000"),
        ("250 dollars", "250"),
        ("周六还2000", "2000"),
        ("12月20日还1.5万", "15000"),
    ],
)
def test_amounts(text: str, expected: str) -> None:
    assert amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text",
    [
        "15号还",
        "三天内还清",
        "分12个月",
        "尾号1234的卡",
        "on the 15th",
        "in 3 days",
        "一次还清",
        "下周五还",
    ],
)
def test_figures_that_are_no_amount(text: str) -> None:
    assert amount(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今天", date(2026, 12, 2)),
        ("今晚", date(2026, 12, 2)),
        ("明天", date(2026, 12, 3)),
        ("后天", date(2026, 12, 4)),
        ("周五", date(2026, 12, 4)),
        ("这周五之前", date(2026, 12, 4)),
        ("下周五", date(2026, 12, 11)),
        ("下星期一", date(2026, 12, 7)),
        ("礼拜天", date(2026, 12, 6)),
        ("月底前", date(2026, 12, 31)),
        ("三天内", date(2026, 12, 5)),
        ("一周之内", date(2026, 12, 9)),
        ("15号", date(2026, 12, 15)),
        ("1号", date(2027, 1, 1)),
        ("下个月5号", date(2027, 1, 5)),
        ("1月10号", date(2027, 1, 10)),
        ("12月20日", date(2026, 12, 20)),
        ("tomorrow", date(2026, 12, 3)),
        ("on friday", date(2026, 12, 4)),
        ("next friday", date(2026, 12, 11)),
        ("next monday", date(2026, 12, 7)),
        ("by the end of the month", date(2026, 12, 31)),
        ("in two days", date(2026, 12, 4)),
        ("within a week", date(2026, 12, 9)),
        ("on the 15th", date(2026, 12, 15)),
        ("december 20th", date(2026, 12, 20)),
        ("jan 5", date(2027, 1, 5)),
        ("by 10 december", date(2026, 12, 10)),
        ("the 3rd of jan", date(2027, 1, 3)),
        ("下午三点前", date(2026, 12, 2)),  # a time of day alone: today
        ("下周一下午", date(2026, 12, 7)),
    ],
)
def test_days_from_the_borrowers_today(text: str, expected: date) -> None:
    assert promise_date(text, WEDNESDAY) == expected


def test_no_day_named() -> None:
    assert promise_date("我会还的", WEDNESDAY) is None
    assert promise_date("这周一定还上", WEDNESDAY) is None  # 一定 (surely), not 周一
    assert promise_date("soon", WEDNESDAY) is None
