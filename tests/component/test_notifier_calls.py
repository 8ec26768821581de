"""The pre-call gate's HTTP API on the real application (memory deps): ask, report, repeat."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from services.notifier.adapters.memory.store import InMemoryNotifierStore
from services.notifier.app import build_app
from services.notifier.bootstrap import memory_deps
from services.notifier.domain.model import directory_entry
from services.notifier.settings import Settings
from shared.events import ApplyCaseAction, CallReported, InteractionRecorded
from shared.testing.factories import contact_details
from shared.testing.memory import InMemoryEventPublisher

ClientFactory = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]
SETTINGS = Settings(contacts_token="dialler-token")
TOKEN = {"Authorization": "Bearer dialler-token"}
NOON = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
ASK: dict[str, Any] = {
    "idempotency_key": "dial-1",
    "debtor_id": "d1",
    "debt_id": "loan-1",
    "number": "+8613800000001",
    "sender": "agency-7",
    "agent_id": "agent-42",
}
REPORT: dict[str, Any] = {
    "status": "connected",
    "started_at": "2026-03-04T12:00:30+08:00",
    "duration_s": 180,
    "agent_id": "agent-42",
    "summary": "borrower will pay on Friday",
    "dispositions": [
        {"kind": "promise_to_pay", "amount": 5000, "currency": "CNY", "on": "2026-03-06"}
    ],
}


async def client_for(
    aiohttp_client: ClientFactory,
) -> tuple[TestClient[web.Request, web.Application], InMemoryEventPublisher]:
    store, publisher = InMemoryNotifierStore(), InMemoryEventPublisher()
    details = contact_details("d1", mobile=ASK["number"], locale="zh-CN")
    await store.upsert(directory_entry(details), as_of=details.occurred_at)
    deps = memory_deps(store=store, publisher=publisher, clock=lambda: NOON)
    return await aiohttp_client(build_app(SETTINGS, deps)), publisher


async def test_ask_call_and_report_once(aiohttp_client: ClientFactory) -> None:
    client, publisher = await client_for(aiohttp_client)
    asked = await client.post("/v1/calls", json=ASK, headers=TOKEN)
    again = await client.post("/v1/calls", json=ASK, headers=TOKEN)
    assert (asked.status, again.status) == (201, 200)
    answer = await asked.json()
    assert answer == await again.json()
    assert (answer["outcome"], answer["state"]) == ("ALLOW", "reserved")
    assert answer["reservation"] == {
        "id": answer["call_id"],
        "expires_at": "2026-03-04T04:10:00+00:00",
    }
    path = f"/v1/calls/{answer['call_id']}/outcome"
    first = await client.post(path, json=REPORT, headers=TOKEN)
    repeat = await client.post(path, json=REPORT, headers=TOKEN)
    assert (first.status, repeat.status) == (201, 200)
    assert (await repeat.json())["recorded"] is False
    interactions = {e.event_id for e in publisher.events(SETTINGS.kafka.topics.interactions)}
    [interaction] = publisher.events(SETTINGS.kafka.topics.interactions)[:1]
    assert len(interactions) == 1
    assert isinstance(interaction, InteractionRecorded)
    assert "+8613800000001" not in interaction.model_dump_json()
    actions = publisher.events(SETTINGS.kafka.topics.case_actions)
    assert all(isinstance(a, ApplyCaseAction) for a in actions)
    assert {a.event_id for a in actions} == {actions[0].event_id}


async def test_refusals_say_why(aiohttp_client: ClientFactory) -> None:
    client, _ = await client_for(aiohttp_client)
    assert (await client.post("/v1/calls", json=ASK)).status == 401
    wrong = {"Authorization": "Bearer nope"}
    assert (await client.post("/v1/calls", json=ASK, headers=wrong)).status == 401
    bad = await client.post("/v1/calls", json={**ASK, "number": "13800000001"}, headers=TOKEN)
    assert bad.status == 400
    assert "number" in (await bad.json())["error"]
    await client.post("/v1/calls", json=ASK, headers=TOKEN)
    reused = await client.post("/v1/calls", json={**ASK, "debt_id": "loan-2"}, headers=TOKEN)
    assert reused.status == 409
    unknown = await client.post("/v1/calls/nope/outcome", json=REPORT, headers=TOKEN)
    assert unknown.status == 404


async def test_a_call_reported_twice_differently_is_a_conflict(
    aiohttp_client: ClientFactory,
) -> None:
    client, _ = await client_for(aiohttp_client)
    answer = await (await client.post("/v1/calls", json=ASK, headers=TOKEN)).json()
    path = f"/v1/calls/{answer['call_id']}/outcome"
    await client.post(path, json={**REPORT, "dispositions": [], "status": "busy"}, headers=TOKEN)
    assert (await client.post(path, json=REPORT, headers=TOKEN)).status == 409


async def test_a_call_asked_for_a_task_reports_its_outcome_to_the_desk(
    aiohttp_client: ClientFactory,
) -> None:
    client, publisher = await client_for(aiohttp_client)
    ask = {**ASK, "task_id": "task-early-call-1"}
    answer = await (await client.post("/v1/calls", json=ask, headers=TOKEN)).json()
    assert answer["outcome"] == "ALLOW"
    path = f"/v1/calls/{answer['call_id']}/outcome"
    for _ in range(2):  # a repeat publishes the same report again, with the same id
        await client.post(path, json=REPORT, headers=TOKEN)
    topic = SETTINGS.kafka.topics.interactions
    reports = [e for e in publisher.events(topic) if isinstance(e, CallReported)]
    assert len(reports) == 2
    assert len({r.event_id for r in reports}) == 1
    report = reports[0]
    assert (report.task_id, report.call_id, report.loan_id) == (
        "task-early-call-1",
        answer["call_id"],
        "loan-1",
    )
    assert (report.status, report.agent_id, report.dispositions) == (
        "connected",
        "agent-42",
        ("promise_to_pay",),
    )
    assert "+8613800000001" not in report.model_dump_json()
    # The same key asked without the task is another call: a conflict.
    assert (await client.post("/v1/calls", json=ASK, headers=TOKEN)).status == 409
