"""The borrower's verification page: language choice, the bank's name and hotline, escaping."""

from __future__ import annotations

import pytest

from services.audit.entrypoints.page import language, render


@pytest.mark.parametrize(
    ("query", "accept", "expected"),
    [
        ("en", "zh-CN", "en"),
        (None, "en-GB,en;q=0.9", "en"),
        (None, None, "zh-CN"),
        ("fr", None, "zh-CN"),
    ],
)
def test_the_query_wins_then_the_browser_then_chinese(
    query: str | None, accept: str | None, expected: str
) -> None:
    assert language(query, accept) == expected


def test_the_page_names_the_bank_and_its_hotline_escaped() -> None:
    page = render("en", "Bank <b>&</b>", "400-1")
    assert '<html lang="en">' in page
    assert "Bank &lt;b&gt;&amp;&lt;/b&gt;" in page
    assert "<b>&</b>" not in page
    assert "400-1" in page
    assert '<a href="?lang=zh-CN">' in page


def test_the_chinese_page_links_to_the_english_one() -> None:
    page = render("zh-CN", "澄河示范银行", "400-000-0000")
    assert "核实催收信息" in page
    assert '<a href="?lang=en">English</a>' in page
