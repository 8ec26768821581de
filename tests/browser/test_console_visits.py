"""A field visit's steps in the console, in headless Chromium on the real broker with every
service running and the local identity provider: the scheduler proposes the visit, its notice
reaches the borrower in Chinese by SMS (the receipt confirms it); a field agent signs in, finds
it in the field team's queue, opens the case and the visit with real clicks; the borrower's
Chinese reply (the SMS sandbox's inbound callback) moves it and a repayment cures it, and the
case page shows each change."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.identity import BackgroundIdentity
from sandbox.loanbook import sandbox_mobile
from sandbox.stack import morning_of
from tests.browser.cdp import Page, headless_page
from tests.browser.test_console import LAPTOP, fits, sign_in
from tests.polling import eventually
from tests.support.stack import ProviderStack, provider_stack
from tests.support.visit_flow import CLOCK_DAY, cure, late_loan, texts_to

pytestmark = [pytest.mark.broker, pytest.mark.browser]
#: The states of the case page's visits, the latest proposal first.
SHOWN = (
    "[...document.querySelectorAll('#visits tr[data-visit] .visit-state')]"
    ".map(e => e.dataset.state).join(',')"
)


@pytest.fixture(scope="module")
def system(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProviderStack]:
    workdir: Path = tmp_path_factory.mktemp("console-visits")
    identity = BackgroundIdentity().start()
    try:
        with provider_stack(
            broker, workdir, "cvis", morning_of(CLOCK_DAY), identity_url=identity.url
        ) as stack:
            yield stack
    finally:
        identity.stop()


async def shown_states(page: Page) -> str:
    return str(await page.evaluate(SHOWN))


async def until_shown(page: Page, wanted: set[str], timeout_s: float = 150) -> str:
    """Reload the page (as a person does) until its visits' states are one of ``wanted``."""

    async def there() -> bool:
        await page.call("Page.reload")
        await page.wait_for(
            "document.readyState === 'complete' && !!document.getElementById('visits')"
        )
        return await shown_states(page) in wanted

    await eventually(there, timeout_s=timeout_s)
    return await shown_states(page)


@pytest.mark.timeout(600)  # the whole system starts within it
async def test_a_visits_steps_each_show_in_the_console(system: ProviderStack) -> None:
    run, n = system.kafka.topic_namespace, 918
    loan, debtor = f"{run}-L1", f"{run}-D1"
    await late_loan(system, loan, debtor, n)
    desk = system.url("desk", "")
    async with headless_page(*LAPTOP, mobile=False) as page:
        await sign_in(page, desk, "agent-3", "agent", "field", "/console/field")
        case_link = f"#field-visits a[href='/console/cases/{loan}']"

        async def in_the_field_queue() -> bool:  # only once the notice was delivered
            await page.call("Page.reload")
            await page.wait_for("document.readyState === 'complete'")
            found = await page.evaluate(f"document.querySelector({json.dumps(case_link)}) !== null")
            return bool(found)

        await eventually(in_the_field_queue, timeout_s=240)
        [notice] = [t for t in texts_to(system, n) if "面谈" in t]
        assert "示例银行上海浦东支行" in notice
        assert await fits(page, LAPTOP[0])
        await page.click(case_link)
        await page.wait_for("document.getElementById('visits') !== null")
        assert await shown_states(page) == "confirmed"
        assert "已确认" in await page.text()
        await page.click("#visits a.open-visit")
        await page.wait_for("document.getElementById('visit-state') !== null")
        text = await page.text()
        assert "09:30-10:30" in text
        assert "示例银行上海浦东支行" in text
        assert await page.evaluate("document.getElementById('outcome-form') !== null")
        await page.click("#visit-case")
        await page.wait_for("document.getElementById('visits') !== null")

        await system.reply(sandbox_mobile(n), "那天不在家，能改天来吗")
        moved = {f"{s},cancelled_rescheduled" for s in ("proposed", "notice_sent", "confirmed")}
        await until_shown(page, moved)
        assert "已改约" in await page.text()

        await cure(system, loan, debtor)
        await until_shown(page, {"cancelled_cured,cancelled_rescheduled"})
        text = await page.text()
        assert "已结清逾期，取消" in text
        assert "已改约" in text
        assert await page.evaluate("document.documentElement.lang") == "zh-CN"
