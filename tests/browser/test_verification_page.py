"""The borrower's verification page in headless Chromium, on a phone-sized screen."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from sandbox.smtp import free_port
from services.audit.app import build_app
from services.audit.bootstrap import memory_deps
from services.audit.entrypoints.api import api_key
from services.audit.settings import Settings
from tests.browser.cdp import headless_page
from tests.support.audit import code_entry, sent_message

pytestmark = pytest.mark.browser


@pytest.fixture
async def site() -> AsyncIterator[str]:
    bank = {"name": "Example Bank", "official_hotline": "95599-0000"}
    settings = Settings(institution={"zh_cn": bank, "en": bank}, verify_rate_per_minute=5)
    app = build_app(settings, deps=memory_deps())
    runner = web.AppRunner(app)
    await runner.setup()
    await app[api_key].log.append(
        [
            sent_message(),
            # A send that may have gone: its provider could not say when it was made.
            code_entry("e2", "PSBL2345", "possibly_sent", day=5),
            # One that was asked about later and had never gone out.
            code_entry("e3", "NOTS2345", "possibly_sent"),
            code_entry("e4", "NOTS2345", "not_sent"),
            # And one its provider confirmed later.
            code_entry("e5", "LATE2345", "possibly_sent"),
            code_entry("e6", "LATE2345", "sent"),
        ]
    )
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}/verify"
    await runner.cleanup()


async def check(page: object, code: str) -> str:
    from tests.browser.cdp import Page

    assert isinstance(page, Page)
    await page.evaluate(f"document.getElementById('code').value = '{code}'")
    await page.evaluate("document.getElementById('result').textContent = ''")
    await page.evaluate("document.querySelector('button').click()")
    await page.wait_for("document.getElementById('result').textContent.length > 0")
    text: str = await page.evaluate("document.getElementById('result').textContent")
    return text


async def test_a_borrower_checks_a_genuine_and_a_fake_code_in_chinese(
    site: str, tmp_path: Path
) -> None:
    async with headless_page() as page:
        await page.goto(site)
        assert await page.evaluate("document.documentElement.lang") == "zh-CN"
        genuine = await check(page, "abcd2345")
        assert "Example Bank" in genuine
        assert "2026-03-04" in genuine
        assert "短信" in genuine
        assert "****5678" in genuine
        fake = await check(page, "ZZZZ9999")
        assert "未找到" in fake
        assert "95599-0000" in fake  # the official hotline, to call instead of paying
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, "the page must fit a phone screen without sideways scrolling"
        await page.screenshot(tmp_path / "verify-zh.png")
        assert (tmp_path / "verify-zh.png").stat().st_size > 1000


async def test_the_english_page_and_the_rate_limit(site: str) -> None:
    async with headless_page() as page:
        await page.goto(site + "?lang=en")
        assert "Verify" in await page.evaluate("document.title")
        answers = [await check(page, "ABCD2345") for _ in range(6)]
        assert "Example Bank sent this message on 2026-03-04 by SMS" in answers[0]
        assert "Too many checks" in answers[-1]


async def test_a_possibly_sent_message_may_be_genuine_and_the_page_says_call(site: str) -> None:
    async with headless_page() as page:
        await page.goto(site)
        possibly = await check(page, "PSBL2345")
        assert "可能确由Example Bank于 2026-03-05 通过短信发出" in possibly
        assert "未能确认" in possibly
        assert "95599-0000" in possibly
        assert "未找到" not in possibly
        assert "请勿按该信息付款" not in possibly
        assert await page.evaluate("document.getElementById('result').className") == "possibly"
        assert "未找到" in await check(page, "NOTS2345")  # asked later: never sent
        assert "该信息由Example Bank于 2026-03-04" in await check(page, "LATE2345")
        await page.goto(site + "?lang=en")
        english = await check(page, "PSBL2345")
        assert "may be genuine" in english
        assert "could not confirm that it went out" in english
        assert "95599-0000" in english
