"""The review queues in-process: the desk's real application over memory deps, the notifier's
interactions in through the consume loop, the queues and the decisions through the HTTP API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.desk.app import build_app
from services.desk.bootstrap import memory_deps
from services.desk.settings import Settings
from shared.events import ApplyReviewDecision, encode
from shared.testing.memory import InMemoryEventPublisher
from shared.testing.source import InMemorySource
from tests.polling import eventually
from tests.support.desk import OPENED, Loan
from tests.support.desk_people import AGENT, COMPLIANCE, FIELD, TOKENS

Client = TestClient[web.Request, web.Application]
SETTINGS = Settings(api_tokens=TOKENS, gauge_interval_s=0.05)
TOPICS = SETTINGS.kafka.topics


@pytest.fixture
async def desk(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]],
) -> tuple[Client, InMemorySource, InMemoryEventPublisher]:
    source, publisher = InMemorySource(), InMemoryEventPublisher()
    deps = memory_deps(
        source=source, publisher=publisher, clock=lambda: OPENED + timedelta(hours=1)
    )
    return await aiohttp_client(build_app(SETTINGS, deps)), source, publisher


async def test_an_escalation_is_approved_by_a_compliance_officer_once(
    desk: tuple[Client, InMemorySource, InMemoryEventPublisher],
) -> None:
    http, source, publisher = desk
    loan = Loan()
    escalated = loan.interaction(
        "send_escalated", request_id="req-1", rules=("CN-LEGAL-1",), reason="CN-LEGAL-1: unattested"
    )
    for event in (escalated, escalated):
        source.append(TOPICS.interactions, encode(event, source="/dunwell/test"))
    await eventually(lambda: sum(source.committed.values()) == 2)
    assert (await http.get("/v1/reviews/escalated", headers=AGENT)).status == 403
    listed = await (await http.get("/v1/reviews/escalated", headers=COMPLIANCE)).json()
    [item] = listed["items"]
    assert (item["loan_id"], item["reasons"], item["age_s"]) == (
        loan.loan_id,
        ["CN-LEGAL-1: unattested"],
        3600,
    )
    url = f"/v1/reviews/items/{item['item_id']}/decision"
    body = {"decision_id": "d-1", "verdict": "approve", "reason": "checked", "attestation": "I do"}
    refused = await http.post(url, headers=COMPLIANCE, json=body | {"attestation": None})
    assert refused.status == 409, await refused.text()
    first = await http.post(url, headers=COMPLIANCE, json=body)
    assert first.status == 201, await first.text()
    assert (await http.post(url, headers=COMPLIANCE, json=body)).status == 200
    assert (await first.json())["decided"]["actor"] == "co-1"
    [sent] = publisher.events(TOPICS.review_decisions)
    assert isinstance(sent, ApplyReviewDecision)
    assert (sent.actor, sent.attestation, sent.rules) == ("co-1", "I do", ("CN-LEGAL-1",))
    overview = await (await http.get("/v1/reviews", headers=COMPLIANCE)).json()
    assert overview["queues"] == [{"queue": "escalated", "open": 0}]


async def test_bad_input_is_refused_with_its_reason(
    desk: tuple[Client, InMemorySource, InMemoryEventPublisher],
) -> None:
    http, _, publisher = desk
    assert (await http.get("/v1/reviews/nonsense", headers=AGENT)).status == 404
    assert (await http.get("/v1/reviews/items/nope", headers=AGENT)).status == 404
    assert (await http.get("/v1/reviews/uncertain", headers=FIELD)).status == 403
    assert (await http.get("/v1/reviews/uncertain")).status == 401
    wrong = await http.post(
        "/v1/reviews/items/x/decision", headers=AGENT, json={"verdict": "approve"}
    )
    assert wrong.status == 422
    assert publisher.events(TOPICS.review_decisions) == []
    spec = await (await http.get("/openapi.json")).json()
    assert "/v1/reviews/items/{item_id}/decision" in spec["paths"]
