"""The console end to end on the real broker, in headless Chromium: the real scheduler and the
real desk as processes, the local identity provider. A task for a borrower's extension request
is in the team queue; an agent signs in, sees it there, opens the case and records an agreed
instalment plan with real clicks; the command is on the broker for the scheduler, which opens
the plan's task (and holds escalation), and the desk shows the plan under the agent's id."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from sandbox.identity import BackgroundIdentity
from sandbox.loanbook import Item, publish_items
from sandbox.people import LOCAL_DESK_TOKENS
from sandbox.smtp import free_port
from sandbox.stack import Stack, StackConfig
from shared.events import AgentTaskOpened, ApplyCaseAction, decode
from shared.kafka import KafkaEventPublisher, create_topics
from shared.settings import KafkaSettings
from shared.testing.factories import contact_details, random_ref
from tests.browser.cdp import headless_page
from tests.browser.test_console import LAPTOP, fits, sign_in
from tests.e2e.test_walking_skeleton import recent_overdue
from tests.polling import eventually
from tests.support.kafka import read_topic
from tests.support.stack import assert_stopped_cleanly

pytestmark = [pytest.mark.broker, pytest.mark.browser]
SUPERVISOR = {"Authorization": f"Bearer {LOCAL_DESK_TOKENS['supervisor-1']['token']}"}


@pytest.fixture
async def stack(broker: str, tmp_path: Path) -> AsyncIterator[tuple[Stack, KafkaSettings]]:
    kafka = KafkaSettings(bootstrap_servers=broker, topic_namespace=f"c{secrets.token_hex(3)}")
    await create_topics(kafka, kafka.topics.all(), partitions=4)
    identity = BackgroundIdentity().start()
    config = StackConfig(
        bootstrap_servers=broker,
        workdir=tmp_path / "stack",
        smtp_port=free_port(),
        namespace=kafka.topic_namespace,
        ports={s: free_port() for s in ("audit", "notifier", "scheduler", "desk")},
        identity_url=identity.url,
    )
    running = Stack(config)
    try:
        for service in ("scheduler", "desk"):
            running.start(service)
        for service in ("scheduler", "desk"):
            await running.wait_ready(service)
        yield running, kafka
    finally:
        codes = await asyncio.to_thread(running.stop_all)
        identity.stop()
    assert_stopped_cleanly(running, codes, expected=("scheduler", "desk"))


async def desk_get(stack: Stack, path: str) -> Any:
    url = f"http://127.0.0.1:{stack.ports['desk']}{path}"
    async with aiohttp.ClientSession(headers=SUPERVISOR) as session, session.get(url) as r:
        return await r.json() if r.status == 200 else None


@pytest.mark.timeout(360)
async def test_an_agents_plan_recorded_in_the_console_reaches_the_scheduler(
    stack: tuple[Stack, KafkaSettings], tmp_path: Path
) -> None:
    running, kafka = stack
    overdue = recent_overdue()
    loan, debtor = overdue.loan_id, overdue.debtor_id
    assert debtor is not None
    details = contact_details(debtor, locale="zh-CN")
    await publish_items(kafka, [Item("customer", details), Item("loan", overdue)])

    async def kinds() -> list[str]:
        queue = await desk_get(running, "/v1/queues/collections")
        return sorted(t["kind"] for t in (queue or {"tasks": []})["tasks"] if t["loan_id"] == loan)

    async def delinquent() -> bool:
        view = await desk_get(running, f"/v1/cases/{loan}")
        return view is not None and view["status"] == "delinquent"

    await eventually(delinquent, timeout_s=120)
    # The borrower asked for more time: the scheduler's task for it, on the tasks topic.
    asked = AgentTaskOpened(
        event_id=random_ref("task"),
        occurred_at=overdue.occurred_at,
        loan_id=loan,
        debtor_id=debtor,
        kind="extension_request",
        episode=1,
        due_by=overdue.occurred_at.date() + timedelta(days=2),
    )
    publisher = KafkaEventPublisher(kafka, service="test")
    await publisher.start()
    try:
        await publisher.publish(kafka.topics.tasks, asked)
    finally:
        await publisher.aclose()

    async def requested() -> bool:
        return await kinds() == ["extension_request"]

    await eventually(requested, timeout_s=120)
    desk = f"http://127.0.0.1:{running.ports['desk']}"
    async with headless_page(*LAPTOP, mobile=False) as page:
        await sign_in(page, desk, "agent-1", "agent", "collections", "/console/queue")
        row = f"tr[data-task] a[href='/console/cases/{loan}']"
        await page.wait_for(f'document.querySelector("{row}") !== null')
        assert "申请延期" in await page.text()
        assert await fits(page, LAPTOP[0])
        await page.click(row)
        await page.wait_for("document.getElementById('record-action') !== null")
        await page.click("#record-action")
        await page.wait_for("document.getElementById('action-form') !== null")
        await page.choose("#action", "instalment_request")
        await page.type("#note", "同意分三期")
        await page.click("#submit-action")
        await page.wait_for("document.getElementById('recorded') !== null")

    commands = await read_topic(kafka, kafka.topics.case_actions)
    sent = [decode(r.value, r.headers) for r in commands]
    assert [(c.action, c.actor) for c in sent if isinstance(c, ApplyCaseAction)] == [
        ("instalment_request", "agent-1")
    ]

    async def planned() -> bool:  # the scheduler opened the plan's task from the command
        return await kinds() == ["extension_request", "instalment_request"]

    await eventually(planned, timeout_s=120)
    view = await desk_get(running, f"/v1/cases/{loan}")
    assert [(a["action"], a["actor"], a["note"]) for a in view["actions"]] == [
        ("instalment_request", "agent-1", "同意分三期")
    ]
