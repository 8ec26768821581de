"""Field visits through the desk's real application (memory deps): a proposal is not
workable until its notice was delivered; then the field team's task, the printable documents,
the outcome once to the evidence log; a cancellation closes the task."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.desk.adapters.memory import InMemoryDeskStore
from services.desk.adapters.visit_memory import InMemoryVisitStore
from services.desk.app import build_app
from services.desk.bootstrap import memory_deps
from shared.events import ApplyCaseAction, Event, VisitOutcomeRecorded, encode
from shared.testing.memory import InMemoryEventPublisher
from shared.testing.source import InMemorySource
from tests.component.test_desk_api import SETTINGS, TOPICS
from tests.polling import eventually
from tests.support.desk import OPENED, Loan
from tests.support.desk_people import AGENT, FIELD, SUPERVISOR
from tests.support.visits import cancellation, proposal

Client = TestClient[web.Request, web.Application]


class Desk:
    def __init__(self, client: Client, source: InMemorySource, deps: object) -> None:
        self.http, self.source = client, source
        self.store: InMemoryDeskStore = deps.store  # type: ignore[attr-defined]
        self.visits: InMemoryVisitStore = deps.visits  # type: ignore[attr-defined]
        self.publisher: InMemoryEventPublisher = deps.publisher  # type: ignore[attr-defined]

    def arrive(self, topic: str, event: Event) -> None:
        self.source.append(topic, encode(event, source="/dunwell/test"))

    async def visit(self, visit_id: str, headers: dict[str, str] = SUPERVISOR) -> dict:  # type: ignore[type-arg]
        response = await self.http.get(f"/v1/visits/{visit_id}", headers=headers)
        assert response.status == 200, response.reason
        return dict(await response.json())


@pytest.fixture
async def desk(aiohttp_client: Callable[[web.Application], Awaitable[Client]]) -> Desk:
    source = InMemorySource()
    deps = memory_deps(
        store=InMemoryDeskStore(),
        visits=InMemoryVisitStore(),
        source=source,
        publisher=InMemoryEventPublisher(),
        clock=lambda: OPENED + timedelta(hours=3),
    )
    return Desk(await aiohttp_client(build_app(SETTINGS, deps)), source, deps)


async def confirmed_visit(desk: Desk) -> tuple[Loan, str]:
    loan = Loan()
    proposed = proposal(loan)
    desk.arrive(TOPICS.tasks, proposed)
    desk.arrive(TOPICS.tasks, proposed)  # redelivered: one visit
    visit_id = proposed.slot.visit_id
    await eventually(lambda: visit_id in desk.visits.visits)
    assert (await desk.visit(visit_id))["state"] == "proposed"
    assert desk.store.tasks == {}  # not workable before the borrower was told
    sent = loan.interaction("message_sent", request_id=proposed.notice_id)
    receipt = loan.interaction(
        "delivery_reported", request_id=proposed.notice_id, reason="delivered: DELIVRD"
    )
    desk.arrive(TOPICS.interactions, sent)
    desk.arrive(TOPICS.interactions, receipt)
    await eventually(lambda: desk.visits.visits[visit_id].state == "confirmed")
    return loan, visit_id


async def test_confirmed_only_on_delivery_then_the_field_teams_task(desk: Desk) -> None:
    loan, visit_id = await confirmed_visit(desk)
    body = await desk.visit(visit_id, FIELD)
    assert body["task_id"] is not None
    response = await desk.http.get("/v1/queues/field", headers=FIELD)
    [task] = (await response.json())["tasks"]
    assert (task["task_id"], task["kind"], task["appointment"]) == (
        body["task_id"],
        "field_visit",
        "2026-03-12",
    )
    listed = await desk.http.get(f"/v1/cases/{loan.loan_id}/visits", headers=FIELD)
    assert [v["visit_id"] for v in (await listed.json())["visits"]] == [visit_id]
    other = await desk.http.get(f"/v1/visits/{visit_id}", headers=AGENT)
    assert other.status == 403


async def test_an_undelivered_notice_means_no_visit_and_a_task_for_a_person(desk: Desk) -> None:
    loan = Loan()
    proposed = proposal(loan)
    desk.arrive(TOPICS.tasks, proposed)
    blocked = loan.interaction("send_blocked", request_id=proposed.notice_id, reason="no time")
    desk.arrive(TOPICS.interactions, blocked)
    visit_id = proposed.slot.visit_id
    await eventually(lambda: desk.visits.visits.get(visit_id) is not None)
    await eventually(lambda: desk.visits.visits[visit_id].state == "undelivered")
    [task] = desk.store.tasks.values()
    assert (task.kind, task.team) == ("visit_undelivered", "collections")
    refused = await desk.http.post(
        f"/v1/visits/{visit_id}/outcome",
        headers=SUPERVISOR,
        json={"outcome_id": "o-1", "outcome": "met"},
    )
    assert refused.status == 409


async def test_the_printable_documents_in_chinese_first(desk: Desk) -> None:
    _, visit_id = await confirmed_visit(desk)
    page = await desk.http.get(f"/v1/visits/{visit_id}/documents", headers=FIELD)
    assert page.status == 200
    assert page.content_type == "text/html"
    html = await page.text()
    assert '<html lang="zh-CN">' in html
    assert "上门面谈材料" in html
    assert "2026-03-12 09:30-10:30" in html
    assert "世纪大道100号" in html
    assert "1,500.00元" in html  # the statement's total
    assert "750.00元" in html  # the plan's instalments
    assert "@media print" in html
    english = await desk.http.get(f"/v1/visits/{visit_id}/documents?lang=en", headers=FIELD)
    assert "Century Avenue" in await english.text()


async def test_the_outcome_goes_to_the_evidence_log_once_and_finishes_the_task(
    desk: Desk,
) -> None:
    _, visit_id = await confirmed_visit(desk)
    body = {"outcome_id": "o-1", "outcome": "met", "note": "agreed to the plan"}
    first = await desk.http.post(f"/v1/visits/{visit_id}/outcome", headers=FIELD, json=body)
    assert first.status == 201, first.reason
    again = await desk.http.post(f"/v1/visits/{visit_id}/outcome", headers=FIELD, json=body)
    assert again.status == 200
    [record] = [e for e in desk.publisher.events(TOPICS.tasks)]
    assert isinstance(record, VisitOutcomeRecorded)
    assert (record.visit_id, record.actor, record.outcome) == (visit_id, "agent-3", "met")
    task = desk.store.tasks[(await desk.visit(visit_id))["task_id"]]
    assert (task.status, task.outcome) == ("done", "visited")
    bad = {"outcome_id": "o-2", "outcome": "won"}
    wrong = await desk.http.post(f"/v1/visits/{visit_id}/outcome", headers=FIELD, json=bad)
    assert wrong.status == 422


async def test_a_reschedule_goes_to_the_scheduler_and_a_cancellation_closes_the_task(
    desk: Desk,
) -> None:
    loan, visit_id = await confirmed_visit(desk)
    moved = await desk.http.post(
        f"/v1/visits/{visit_id}/reschedule",
        headers=FIELD,
        json={"action_id": "a-1", "on": "2026-03-16"},
    )
    assert moved.status == 201, moved.reason
    [command] = desk.publisher.events(TOPICS.case_actions)
    assert isinstance(command, ApplyCaseAction)
    assert (command.action, command.visit_on, command.actor) == (
        "reschedule_visit",
        proposal(loan).slot.starts_at.date() + timedelta(days=4),
        "agent-3",
    )
    desk.arrive(TOPICS.tasks, cancellation(loan, proposal(loan), "rescheduled"))
    await eventually(lambda: desk.visits.visits[visit_id].state == "cancelled")
    task = desk.store.tasks[(await desk.visit(visit_id))["task_id"]]
    assert (task.status, task.closed_reason) == ("closed", "rescheduled")
