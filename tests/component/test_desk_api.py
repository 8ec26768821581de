"""The desk in-process: its real application over memory deps, events in through the consume
loop, the queue, the actions and the case view out through the HTTP API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.desk.adapters.memory import InMemoryDeskStore
from services.desk.app import build_app
from services.desk.bootstrap import memory_deps
from services.desk.settings import Settings
from shared.events import Event, KafkaRecord, encode
from shared.testing.memory import InMemoryEventPublisher
from shared.testing.source import InMemorySource
from tests.polling import eventually
from tests.support.desk import OPENED, Loan
from tests.support.desk_people import AGENT, FIELD, SUPERVISOR, TOKENS

Client = TestClient[web.Request, web.Application]
SETTINGS = Settings(api_tokens=TOKENS, gauge_interval_s=0.05)
TOPICS = SETTINGS.kafka.topics


class Desk:
    def __init__(
        self,
        client: Client,
        source: InMemorySource,
        store: InMemoryDeskStore,
        publisher: InMemoryEventPublisher,
    ) -> None:
        self.http, self.source, self.store, self.publisher = client, source, store, publisher

    def arrive(self, topic: str, event: Event) -> None:
        self.source.append(topic, encode(event, source="/dunwell/test"))

    async def queue(self, team: str = "collections", headers: dict[str, str] = AGENT) -> list[dict]:  # type: ignore[type-arg]
        response = await self.http.get(f"/v1/queues/{team}", headers=headers)
        assert response.status == 200, await response.text()
        body = await response.json()
        return list(body["tasks"])


@pytest.fixture
async def desk(aiohttp_client: Callable[[web.Application], Awaitable[Client]]) -> Desk:
    store, source, publisher = InMemoryDeskStore(), InMemorySource(), InMemoryEventPublisher()
    deps = memory_deps(
        store=store, source=source, publisher=publisher, clock=lambda: OPENED + timedelta(hours=1)
    )
    return Desk(await aiohttp_client(build_app(SETTINGS, deps)), source, store, publisher)


async def test_a_task_appears_in_its_teams_queue_and_a_cure_closes_it(desk: Desk) -> None:
    loan = Loan()
    event = loan.task()
    desk.arrive(TOPICS.delinquency, loan.range("r1", day=4))
    desk.arrive(TOPICS.tasks, event)
    desk.arrive(TOPICS.tasks, event)  # redelivered: one task
    await eventually(lambda: event.event_id in desk.store.tasks)
    queue = await desk.queue()
    assert [t["task_id"] for t in queue] == [event.event_id]
    assert queue[0]["overdue"] is False
    assert await desk.queue("field", FIELD) == []
    desk.arrive(TOPICS.delinquency, loan.range(None, day=9))
    await eventually(lambda: desk.store.tasks[event.event_id].status == "closed")
    assert await desk.queue() == []
    view = await (await desk.http.get(f"/v1/cases/{loan.loan_id}", headers=AGENT)).json()
    assert view["status"] == "cured"
    assert view["tasks"]["past"][0]["closed_reason"] == "cured"


async def test_a_reply_with_no_known_loan_opens_a_task_in_the_queue(desk: Desk) -> None:
    event = Loan().debtor_task("dispute")
    desk.arrive(TOPICS.tasks, event)
    desk.arrive(TOPICS.tasks, event)  # redelivered: one task
    await eventually(lambda: event.event_id in desk.store.tasks)
    queue = await desk.queue()
    assert [(t["task_id"], t["loan_id"], t["kind"]) for t in queue] == [
        (event.event_id, None, "reply_review")
    ]
    assert f"{TOPICS.tasks}.dlq" not in desk.publisher.records


async def test_an_agent_works_a_task_and_the_case_shows_everything(desk: Desk) -> None:
    loan = Loan()
    task = loan.task()
    for topic, event in (
        (TOPICS.delinquency, loan.range("r2", day=4)),
        (TOPICS.tasks, task),
        (TOPICS.contact_requests, loan.request("300.00")),
        (TOPICS.interactions, loan.interaction()),
        (TOPICS.replies, loan.promise()),
    ):
        desk.arrive(topic, event)
    await eventually(lambda: sum(desk.source.committed.values()) == 5)
    base = f"/v1/tasks/{task.event_id}"
    taken = await desk.http.post(f"{base}/start", headers=AGENT)
    assert taken.status == 200, await taken.text()
    assert (await taken.json())["assignee"] == "agent-7"
    mine = await (await desk.http.get("/v1/me/tasks", headers=AGENT)).json()
    assert (mine["person"], [t["task_id"] for t in mine["tasks"]]) == ("agent-7", [task.event_id])
    done = await desk.http.post(
        f"{base}/done", headers=AGENT, json={"outcome": "plan_agreed", "note": "three months"}
    )
    assert (await done.json())["status"] == "done"
    view = await (await desk.http.get(f"/v1/cases/{loan.loan_id}", headers=AGENT)).json()
    assert (view["status"], view["range"], view["days_past_due"]) == ("delinquent", "r2", 12)
    assert view["statement"]["total_outstanding"] == "1500.00"
    assert view["overdue"] == {
        "amount": "300.00",
        "currency": "CNY",
        "as_of": "2026-03-04",
        "account_masked": "****5678",
    }
    assert [c["kind"] for c in view["contacts"]] == ["message_sent"]
    assert [p["state"] for p in view["promises"]] == ["open"]
    assert view["tasks"]["open"] == []
    assert (await (await desk.http.get("/v1/me/tasks", headers=AGENT)).json())["tasks"] == []
    assert [a["by"] for a in view["tasks"]["past"][0]["actions"]] == ["desk", "agent-7", "agent-7"]
    assert view["evidence"]["timeline"] == f"/v1/cases/{loan.loan_id}/evidence"
    borrower = await desk.http.get(f"/v1/borrowers/{loan.debtor_id}/cases", headers=AGENT)
    assert [c["loan_id"] for c in (await borrower.json())["cases"]] == [loan.loan_id]


async def test_people_keep_to_their_team_and_bad_requests_say_why(desk: Desk) -> None:
    loan = Loan()
    task = loan.task()
    desk.arrive(TOPICS.tasks, task)
    await eventually(lambda: task.event_id in desk.store.tasks)
    base = f"/v1/tasks/{task.event_id}"
    assert (await desk.http.get("/v1/queues/collections")).status == 401
    bad = {"Authorization": "Bearer wrong"}
    assert (await desk.http.get("/v1/queues/collections", headers=bad)).status == 401
    assert (await desk.http.get("/v1/queues/collections", headers=FIELD)).status == 403
    assert (await desk.http.get(f"/v1/cases/{loan.loan_id}", headers=FIELD)).status == 403
    assert (await desk.http.post(f"{base}/start", headers=FIELD)).status == 403
    move = await desk.http.post(f"{base}/assign", headers=AGENT, json={"team": "field"})
    assert move.status == 403
    moved = await desk.http.post(
        f"{base}/assign", headers=SUPERVISOR, json={"team": "field", "assignee": "agent-3"}
    )
    assert moved.status == 200
    assert [t["task_id"] for t in await desk.queue("field", FIELD)] == [task.event_id]
    early = await desk.http.post(f"{base}/done", headers=FIELD, json={"outcome": "visited"})
    assert early.status == 409
    assert "in progress" in (early.reason or "")
    wrong = await desk.http.post(f"{base}/done", headers=FIELD, json={"outcome": "won"})
    assert wrong.status == 422
    assert (await desk.http.post(f"{base}/assign", headers=FIELD, data=b"{")).status == 400
    assert (await desk.http.get("/v1/tasks/unknown", headers=SUPERVISOR)).status == 404
    assert (await desk.http.get("/v1/cases/a%20b", headers=SUPERVISOR)).status == 400
    assert (await desk.http.get("/v1/queues/field?limit=0", headers=FIELD)).status == 400


async def test_bad_records_are_dead_lettered_and_the_loop_goes_on(desk: Desk) -> None:
    loan = Loan()
    desk.source.append(TOPICS.tasks, KafkaRecord(key=b"k", value=b"not json", headers=()))
    desk.arrive(TOPICS.tasks, loan.range("r1"))  # a range change does not travel on tasks
    task = loan.task()
    desk.arrive(TOPICS.tasks, task)
    await eventually(lambda: task.event_id in desk.store.tasks)
    letters = desk.publisher.records[f"{TOPICS.tasks}.dlq"]
    assert len(letters) == 2
    assert letters[0].value == b"not json"
    assert dict(letters[1].headers)["dunwell-dlq-reason-code"] == b"invalid_event"


async def test_the_gauges_count_live_and_overdue_tasks(desk: Desk) -> None:
    from prometheus_client import REGISTRY

    loan = Loan()
    # The scheduler asked for it by the day before: past due at the desk's 11:00 of the 4th.
    desk.arrive(TOPICS.tasks, loan.task(due_by=OPENED.date() - timedelta(days=1)))
    await eventually(lambda: len(desk.store.tasks) == 1)
    await eventually(
        lambda: REGISTRY.get_sample_value("desk_tasks_overdue", {"team": "collections"}) == 1
    )
    loads = await (await desk.http.get("/v1/teams", headers=SUPERVISOR)).json()
    assert loads == {
        "teams": [
            {"team": "collections", "live": 1, "overdue": 1},
            {"team": "field", "live": 0, "overdue": 0},
            {"team": "dialler", "live": 0, "overdue": 0},
        ]
    }
    own = await (await desk.http.get("/v1/teams", headers=FIELD)).json()
    assert own == {"teams": [{"team": "field", "live": 0, "overdue": 0}]}
    metrics = await (await desk.http.get("/metrics")).text()
    assert 'desk_tasks_overdue{team="field"} 0.0' in metrics
    ready = await desk.http.get("/readyz")
    assert ready.status == 200


async def test_an_agent_records_a_promise_and_the_scheduler_gets_the_command(desk: Desk) -> None:
    loan = Loan()
    desk.arrive(TOPICS.tasks, loan.task())
    await eventually(lambda: bool(desk.store.tasks))
    body = {
        "action_id": "call-note-1",
        "action": "promise_to_pay",
        "promised_amount": "800.00",
        "promised_by": "2026-03-09",
        "note": "pays on Monday",
    }
    url = f"/v1/cases/{loan.loan_id}/actions"
    first = await desk.http.post(url, headers=AGENT, json=body)
    assert first.status == 201, await first.text()
    again = await desk.http.post(url, headers=AGENT, json=body)
    assert again.status == 200
    assert (await again.json())["action_id"] == (await first.json())["action_id"]
    [command] = desk.publisher.events(TOPICS.case_actions)
    assert command.model_dump(include={"actor", "origin", "action"}) == {
        "actor": "agent-7",
        "origin": "agent",
        "action": "promise_to_pay",
    }
    past = await desk.http.post(
        url, headers=AGENT, json={**body, "action_id": "x", "promised_by": "2026-01-01"}
    )
    assert past.status == 409
    assert (await desk.http.post(url, headers=FIELD, json=body)).status == 403
    bad = await desk.http.post(url, headers=AGENT, json={"action_id": "y", "action": "pay"})
    assert bad.status == 422
    view = await (await desk.http.get(f"/v1/cases/{loan.loan_id}", headers=AGENT)).json()
    assert [(p["amount"], p["state"]) for p in view["promises"]] == [("800.00", "open")]
    assert [a["note"] for a in view["actions"]] == ["pays on Monday"]


async def test_the_openapi_document_names_every_route(desk: Desk) -> None:
    document = await (await desk.http.get("/openapi.json")).json()
    routes = {
        r.resource.canonical
        for r in desk.http.app.router.routes()
        if r.resource is not None and r.resource.canonical.startswith("/v1/")
    }
    assert set(document["paths"]) == routes
    body = document["paths"]["/v1/cases/{loan_id}/actions"]["post"]["requestBody"]
    assert "promise_to_pay" in str(body)


async def test_a_body_naming_odd_fields_is_refused_with_a_printable_reason(desk: Desk) -> None:
    response = await desk.http.post(
        "/v1/tasks/t-1/assign", headers=SUPERVISOR, json={"\u001f\r\n": None, "团队": 1}
    )
    assert response.status == 422
    assert "extra_forbidden" in (response.reason or "")
