"""The desk on the real broker with its production wiring (Kafka source and publisher, SQLite,
the local identity provider's JWKS over HTTP): a task published on the tasks topic appears in
its team's queue for an agent signed in by the provider, a cure on the delinquency topic closes
it, the agent's action reaches the scheduler's command topic, and a bad record goes to the
dead-letter topic."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from sandbox.identity import BackgroundIdentity
from services.desk.app import build_app
from services.desk.settings import Settings
from shared.deadletter import REASON_CODE, header
from shared.events import ApplyCaseAction, KafkaRecord, decode
from shared.kafka import KafkaEventPublisher
from shared.settings import KafkaSettings
from tests.polling import eventually
from tests.support.desk import Loan
from tests.support.kafka import read_topic

pytestmark = pytest.mark.broker
Client = TestClient[web.Request, web.Application]


@pytest.fixture
def identity() -> Iterator[BackgroundIdentity]:
    provider = BackgroundIdentity().start()
    yield provider
    provider.stop()


async def test_a_published_task_is_queued_and_a_cure_closes_it(
    kafka: KafkaSettings,
    identity: BackgroundIdentity,
    tmp_path: Path,
    aiohttp_client: Callable[[web.Application], Awaitable[Client]],
) -> None:
    settings = Settings(
        kafka=kafka,
        group_id=f"dunwell-desk-{secrets.token_hex(3)}",
        database_url=f"sqlite+aiosqlite:///{tmp_path}/desk.db",
        jwks_url=f"{identity.url}/jwks.json",
        jwt_issuer=identity.url,
    )
    token = identity.provider.token("agent-7", ["agent"], "collections")
    agent = {"Authorization": f"Bearer {token}"}
    http = await aiohttp_client(build_app(settings))
    loan, publisher = Loan(), KafkaEventPublisher(kafka, service="test")
    task = loan.task()
    await publisher.start()
    try:
        await publisher.publish(kafka.topics.delinquency, loan.range("r1", day=4))
        await publisher.publish(kafka.topics.tasks, task)
        await publisher.publish_record(
            kafka.topics.tasks, KafkaRecord(key=loan.loan_id.encode(), value=b"{", headers=())
        )

        async def queued() -> list[Any]:
            response = await http.get("/v1/queues/collections", headers=agent)
            return list((await response.json())["tasks"])

        async def holds_the_task() -> bool:
            return [t["task_id"] for t in await queued()] == [task.event_id]

        await eventually(holds_the_task, timeout_s=60)
        await publisher.publish(kafka.topics.delinquency, loan.range(None, day=9))

        async def emptied() -> bool:
            return await queued() == []

        await eventually(emptied, timeout_s=60)
        action = {"action_id": "n-1", "action": "dispute", "note": "says the fee is wrong"}
        taken = await http.post(f"/v1/cases/{loan.loan_id}/actions", headers=agent, json=action)
        assert taken.status == 201, await taken.text()
    finally:
        await publisher.aclose()
    view = await (await http.get(f"/v1/cases/{loan.loan_id}", headers=agent)).json()
    assert (view["status"], view["tasks"]["past"][0]["closed_reason"]) == ("cured", "cured")
    [command] = [
        decode(r.value, r.headers) for r in await read_topic(kafka, kafka.topics.case_actions)
    ]
    assert isinstance(command, ApplyCaseAction)
    assert (command.action, command.actor, command.loan_id) == ("dispute", "agent-7", loan.loan_id)
    letters = await read_topic(kafka, f"{kafka.topics.tasks}.dlq")
    assert [(r.value, header(r.headers, REASON_CODE)) for r in letters] == [(b"{", "invalid_event")]
