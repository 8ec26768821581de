"""The desk with the real scheduler on the real broker: an agent's action becomes the
scheduler's task in the team's queue and an entry of the evidence log under the person's id
(which the agent then reads through the desk, under a case grant), and the borrower's payment
closes the task by itself."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import aiohttp
import pytest

from sandbox.loanbook import Item, publish_items
from sandbox.people import LOCAL_DESK_TOKENS
from sandbox.stack import run_date
from shared.events import RepaymentPosted
from shared.testing.factories import contact_details, random_ref
from tests.e2e.conftest import System
from tests.e2e.test_walking_skeleton import audit_entries, recent_overdue
from tests.polling import eventually

pytestmark = pytest.mark.broker


def bearer(person: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {LOCAL_DESK_TOKENS[person]['token']}"}


COLLECTOR, FIELD, SUPERVISOR = bearer("agent-1"), bearer("agent-2"), bearer("supervisor-1")


async def get(system: System, path: str, headers: dict[str, str]) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.get(system.url("desk", path)) as response,
    ):
        return response.status, await response.json() if response.status == 200 else None


@pytest.mark.timeout(300)  # the module's first test: the whole system starts within it
async def test_an_agents_request_becomes_a_queued_task_and_a_payment_closes_it(
    system: System,
) -> None:
    overdue = recent_overdue()
    loan, debtor = overdue.loan_id, overdue.debtor_id
    assert debtor is not None
    details = contact_details(debtor, locale="zh-CN")
    await publish_items(system.kafka, [Item("customer", details), Item("loan", overdue)])

    async def case_known() -> bool:
        status, view = await get(system, f"/v1/cases/{loan}", SUPERVISOR)
        return status == 200 and view["status"] == "delinquent"

    await eventually(case_known, timeout_s=120)
    action = {"action_id": "call-1", "action": "instalment_request", "note": "三期"}
    async with (
        aiohttp.ClientSession(headers=SUPERVISOR) as session,
        session.post(system.url("desk", f"/v1/cases/{loan}/actions"), json=action) as response,
    ):
        assert response.status == 201, await response.text()

    async def queued() -> list[Any]:
        status, body = await get(system, "/v1/queues/collections", COLLECTOR)
        assert status == 200
        return [t for t in body["tasks"] if t["loan_id"] == loan]

    async def task_opened() -> bool:
        return [t["kind"] for t in await queued()] == ["instalment_request"]

    await eventually(task_opened, timeout_s=120)

    async def in_the_log() -> list[Any]:
        entries = await audit_entries(system, loan_id=loan)
        return [e for e in entries if e["kind"] == "dunwell.case.apply-action.v1"]

    async def logged_once() -> bool:
        return len(await in_the_log()) == 1

    await eventually(logged_once, timeout_s=60)
    [logged] = await in_the_log()
    assert (logged["content"]["actor"], logged["content"]["action"]) == (
        "supervisor-1",
        "instalment_request",
    )
    assert (await get(system, f"/v1/cases/{loan}", COLLECTOR))[0] == 200
    assert (await get(system, f"/v1/cases/{loan}", FIELD))[0] == 403
    # the case's evidence, read by the agent under a case grant the audit service verifies
    # with the desk's published key: the supervisor's action is there
    status, evidence = await get(system, f"/v1/cases/{loan}/evidence", COLLECTOR)
    assert status == 200
    assert logged["event_id"] in {e["event_id"] for e in evidence["entries"]}
    assert (await get(system, f"/v1/cases/{loan}/evidence", FIELD))[0] == 403
    payment = RepaymentPosted(
        event_id=random_ref("pay"),
        occurred_at=datetime.combine(run_date(), time(4, 0), UTC),
        loan_id=loan,
        debtor_id=debtor,
        amount=overdue.amount_due,
        value_date=run_date(),
    )
    await publish_items(system.kafka, [Item("loan", payment)])

    async def closed() -> bool:
        _, view = await get(system, f"/v1/cases/{loan}", SUPERVISOR)
        return view["status"] == "cured" and [
            (t["kind"], t["closed_reason"]) for t in view["tasks"]["past"]
        ] == [("instalment_request", "cured")]

    await eventually(closed, timeout_s=120)
    assert await queued() == []
    _, view = await get(system, f"/v1/cases/{loan}", SUPERVISOR)
    assert [(a["action"], a["actor"]) for a in view["actions"]] == [
        ("instalment_request", "supervisor-1")
    ]
