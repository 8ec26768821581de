"""The desk's console in headless Chromium, with real clicks and form posts: an agent signs in
at the identity provider, finds the overdue task in the team queue, opens the case and records
an instalment plan (on a laptop and on a tablet); a compliance officer downloads a report."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from sandbox.identity import IdentityProvider
from sandbox.smtp import free_port
from services.desk.adapters.memory import InMemoryDeskStore
from services.desk.adapters.oidc import HttpCodeExchange
from services.desk.app import build_app
from services.desk.bootstrap import memory_deps
from services.desk.settings import Settings
from shared.events import ApplyCaseAction, encode
from shared.jwks import StaticKeySet
from shared.testing.memory import InMemoryEventPublisher
from shared.testing.source import InMemorySource
from tests.browser.cdp import Page, headless_page
from tests.polling import eventually
from tests.support.console import SECRET
from tests.support.desk import OPENED, Loan

pytestmark = pytest.mark.browser
NOW = datetime(2026, 3, 9, 4, 0, tzinfo=UTC)  # Monday noon in Shanghai: the task is overdue
LAPTOP, TABLET = (1366, 768), (820, 1180)


@dataclass
class Site:
    url: str
    loan: Loan
    publisher: InMemoryEventPublisher
    settings: Settings


async def _serve(app: web.Application, port: int) -> web.AppRunner:
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    idp_port, desk_port = free_port(), free_port()
    idp = IdentityProvider(issuer="https://idp.bank.example")
    idp_url = f"http://127.0.0.1:{idp_port}"
    settings = Settings(
        jwks_url=f"{idp_url}/jwks.json",
        jwt_issuer=idp.issuer,
        oidc_authorize_url=f"{idp_url}/authorize",
        oidc_token_url=f"{idp_url}/oauth/token",
        console_session_secret=SECRET,
        console_secure_cookies=False,
    )
    store, source, publisher, loan = (
        InMemoryDeskStore(),
        InMemorySource(),
        InMemoryEventPublisher(),
        Loan(),
    )
    topics = settings.kafka.topics
    async with aiohttp.ClientSession() as session:
        deps = memory_deps(
            store=store,
            source=source,
            publisher=publisher,
            clock=lambda: NOW,
            keys=StaticKeySet(idp.jwks()),
            code_exchange=HttpCodeExchange(
                settings.oidc_token_url or "", "dunwell-desk", None, session
            ),
        )
        runners = [await _serve(idp.app(), idp_port)]
        runners.append(await _serve(build_app(settings, deps), desk_port))
        source.append(topics.delinquency, encode(loan.range("r2", day=5), source="/t"))
        source.append(topics.tasks, encode(loan.task("instalment_request"), source="/t"))
        for minutes in (0, 20, 40):  # three messages in one day: over the cap of two
            sent = loan.interaction(occurred_at=OPENED + timedelta(minutes=minutes))
            source.append(topics.interactions, encode(sent, source="/t"))
        await eventually(lambda: bool(store.tasks) and len(store.contact_rows) == 3)
        try:
            yield Site(f"http://127.0.0.1:{desk_port}", loan, publisher, settings)
        finally:
            for runner in reversed(runners):
                await runner.cleanup()


async def sign_in(page: Page, desk: str, sub: str, role: str, team: str, start: str) -> None:
    """From a console page of the desk at ``desk``, through the identity provider's page,
    back signed in."""
    await page.goto(desk + start)
    await page.wait_for("document.getElementById('sign-in') !== null")
    await page.click("#sign-in")
    await page.wait_for("document.getElementById('idp-sign-in') !== null")
    await page.type("#sub", sub)
    await page.choose("#role", role)
    await page.choose("#team", team)
    await page.click("#idp-sign-in")
    await page.wait_for(f"location.href.startsWith({desk!r} + {start!r})")
    await page.wait_for("document.readyState === 'complete'")


async def fits(page: Page, width: int) -> bool:
    return bool(await page.evaluate(f"document.documentElement.scrollWidth <= {width}"))


@pytest.mark.parametrize("screen", [LAPTOP, TABLET], ids=["laptop", "tablet"])
async def test_an_agent_signs_in_finds_the_task_and_records_an_instalment_plan(
    site: Site, screen: tuple[int, int], tmp_path: Path
) -> None:
    width, height = screen
    async with headless_page(width, height, mobile=False) as page:
        await sign_in(page, site.url, "agent-7", "agent", "collections", "/console/queue")
        assert await page.evaluate("document.documentElement.lang") == "zh-CN"
        row = f"tr[data-task] a[href='/console/cases/{site.loan.loan_id}']"
        await page.wait_for(f'document.querySelector("{row}") !== null')
        assert "已超时" in await page.text()
        assert await fits(page, width), "the queue must fit the screen without sideways scrolling"
        await page.click(row)
        await page.wait_for("document.getElementById('record-action') !== null")
        assert "1,500.00元" in await page.text()
        assert await fits(page, width)
        await page.click("#record-action")
        await page.wait_for("document.getElementById('action-form') !== null")
        unlabelled = await page.evaluate(
            "[...document.querySelectorAll('form input:not([type=hidden]), form select,"
            " form textarea')].filter(e => !document.querySelector(`label[for='${e.id}']`))"
            ".length"
        )
        assert unlabelled == 0
        await page.choose("#action", "instalment_request")
        hidden = await page.evaluate("document.querySelector('[data-field=promised_by]').hidden")
        assert hidden is True  # the script shows only the fields the action needs
        await page.type("#note", "分三期，每月15日")
        await page.click("#submit-action")
        await page.wait_for("document.getElementById('recorded') !== null")
        assert "申请分期还款" in await page.text()
        assert "分三期，每月15日" in await page.text()
        await page.screenshot(tmp_path / "case.png")
    [command] = site.publisher.events(site.settings.kafka.topics.case_actions)
    assert isinstance(command, ApplyCaseAction)
    assert (command.action, command.actor) == ("instalment_request", "agent-7")


async def test_a_compliance_officer_downloads_a_report_as_csv(site: Site, tmp_path: Path) -> None:
    async with headless_page(*LAPTOP, language="en", mobile=False) as page:
        await page.allow_downloads(tmp_path)
        await sign_in(page, site.url, "compliance-1", "compliance", "", "/console/reports")
        assert await page.evaluate("document.documentElement.lang") == "en"
        await page.fill("#from", "2026-03-01")
        await page.click("#show-report")
        await page.wait_for("location.search.includes('from=2026-03-01')")
        await page.wait_for("document.getElementById('csv-caps') !== null")
        assert "Over the cap" in await page.text()
        await page.click("#csv-caps")

        def downloaded() -> list[Path]:
            return [p for p in tmp_path.iterdir() if p.suffix == ".csv"]

        async def arrived() -> bool:
            return bool(await asyncio.to_thread(downloaded))

        await eventually(arrived, timeout_s=15)
        await asyncio.sleep(0.2)  # the file is renamed once complete
    [path] = downloaded()
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "debtor_id,day,cap,count,max,over,source"
    assert lines[1] == f"{site.loan.debtor_id},2026-03-04,messages,3,2,True,CN-FREQ-MSG"
