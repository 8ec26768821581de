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
from tests.support.audit import sent_message

pytestmark = pytest.mark.browser


@pytest.fixture
async def site() -> AsyncIterator[str]:
    bank = {"name": "Example Bank", "official_hotline": "95599-0000"}
    settings = Settings(institution={"zh_cn": bank, "en": bank}, verify_rate_per_minute=5)
    app = build_app(settings, deps=memory_deps())
    runner = web.AppRunner(app)
    await runner.setup()
    await app[api_key].log.append([sent_message()])
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
