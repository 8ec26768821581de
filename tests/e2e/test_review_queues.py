"""Human review queues end to end on the real broker: the notifier's sends that ask a person
appear in the desk's queues, people decide them through the desk's API, and the notifier acts,
once. An uncertain send (the SMTP server takes one message and drops the connection before it
answers) confirmed delivered verifies on the borrower's page; an escalated send (its text cites
a court) approved with an attestation goes out once, one rejected never; an uncertain send
confirmed not delivered is re-driven once, with a code of its own."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from datetime import timedelta
from email.message import Message
from typing import Any

import aiohttp
import pytest

from sandbox.people import LOCAL_DESK_TOKENS
from sandbox.smtp import SmtpInbox, free_port
from sandbox.stack import LOCAL_TOKENS, SERVICES, Stack, StackConfig, run_date
from services.notifier.domain.review import new_attempt
from services.notifier.domain.sends import verification_code
from shared.events import ApplyReviewDecision, ContactRequested
from shared.kafka import KafkaEventPublisher, create_topics
from shared.settings import KafkaSettings
from shared.testing.factories import contact_details, contact_request, random_ref
from tests.e2e.conftest import System
from tests.polling import eventually
from tests.support.review import COURT_TEMPLATE, court_templates
from tests.support.stack import assert_stopped_cleanly, stop_together

pytestmark = pytest.mark.broker
SECRET = b"local-development-only"
DAY = run_date()


def bearer(person: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {LOCAL_DESK_TOKENS[person]['token']}"}


AGENT, COMPLIANCE = bearer("agent-1"), bearer("compliance-1")
AUDITOR = {"Authorization": f"Bearer {LOCAL_TOKENS['auditor']['token']}"}


@pytest.fixture(scope="module")
def system(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """The whole system, its notifier with a template that cites a court besides its own."""
    namespace = f"e2e{secrets.token_hex(3)}"
    kafka = KafkaSettings(bootstrap_servers=broker, topic_namespace=namespace)
    asyncio.run(create_topics(kafka, kafka.topics.all(), partitions=4))
    inbox = SmtpInbox().start()
    workdir = tmp_path_factory.mktemp("review")
    config = StackConfig(
        bootstrap_servers=broker,
        workdir=workdir,
        smtp_port=inbox.port,
        namespace=namespace,
        ports={service: free_port() for service in SERVICES},
        notifier_templates=court_templates(workdir),
    )
    stack = Stack(config)
    try:
        asyncio.run(stack.start_all())
        yield System(stack, inbox, kafka)
    finally:
        codes = stop_together(stack)
        inbox.stop()
    assert_stopped_cleanly(stack, codes)


def request_of(debtor: str, **fields: Any) -> ContactRequested:
    values: dict[str, Any] = {
        "debtor_id": debtor,
        "channels": ("email",),
        "due_date": DAY - timedelta(days=6),
        "days_past_due": 6,
        "pay_by": DAY + timedelta(days=7),
    }
    return contact_request(**(values | fields))


async def publish(system: System, topic: str, *events: Any) -> None:
    publisher = KafkaEventPublisher(system.kafka, service="e2e")
    await publisher.start()
    try:
        for event in events:
            await publisher.publish(topic, event)
    finally:
        await publisher.aclose()


async def call(
    system: System, method: str, path: str, headers: dict[str, str], body: Any = None
) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.request(method, system.url("desk", path), json=body) as response,
    ):
        return response.status, await response.json() if response.status < 300 else None


async def waiting_item(system: System, queue: str, request_id: str, who: dict[str, str]) -> Any:
    """The desk's item of the request's send, once it is in the queue."""
    found: list[Any] = []

    async def listed() -> bool:
        status, body = await call(system, "GET", f"/v1/reviews/{queue}", who)
        assert status == 200
        found[:] = [i for i in body["items"] if i["request_id"] == request_id]
        return bool(found)

    await eventually(listed, timeout_s=120)
    return found[0]


async def decide(system: System, item: Any, who: dict[str, str], **body: Any) -> Any:
    path = f"/v1/reviews/items/{item['item_id']}/decision"
    status, decided = await call(system, "POST", path, who, {"decision_id": "d-1", **body})
    assert status == 201, decided
    again, _ = await call(system, "POST", path, who, {"decision_id": "d-1", **body})
    assert again == 200  # a repeat of the same decision sends nothing
    return decided


async def genuine(system: System, code: str) -> bool:
    async with (
        aiohttp.ClientSession() as session,
        session.post(system.url("audit", "/v1/verify"), json={"code": code}) as response,
    ):
        return bool((await response.json())["genuine"])


async def timeline_kinds(system: System, debtor: str) -> list[tuple[str, str | None]]:
    async with (
        aiohttp.ClientSession(headers=AUDITOR) as session,
        session.get(system.url("audit", "/v1/timeline"), params={"debtor_id": debtor}) as r,
    ):
        entries = (await r.json())["entries"]
    return [
        (e["content"].get("kind"), e["content"].get("actor"))
        for e in entries
        if e["kind"] == "dunwell.interaction.recorded.v1"
    ]


def mail_to(inbox: SmtpInbox, debtor: str) -> list[Message]:
    return [m for m in inbox.messages() if f"{debtor}@" in str(m["X-RcptTo"])]


def body_of(message: Message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(part.get_content_charset() or "utf-8")


async def borrower(system: System, name: str) -> str:
    debtor = f"{system.kafka.topic_namespace}-{name}-{random_ref('d')[-6:]}"
    await publish(
        system, system.kafka.topics.customer_events, contact_details(debtor, locale="zh-CN")
    )
    return debtor


async def uncertain_send(system: System, name: str) -> ContactRequested:
    """A send the SMTP server takes and then drops the connection on: UNCERTAIN."""
    debtor = await borrower(system, name)
    request = request_of(debtor)
    system.inbox.handler.refuse_next = "drop"
    await publish(system, system.kafka.topics.contact_requests, request)
    return request


@pytest.mark.timeout(300)  # the module's first test: the whole system starts within it
async def test_an_uncertain_send_confirmed_delivered_verifies_on_the_borrowers_page(
    system: System,
) -> None:
    request = await uncertain_send(system, "uncertain")
    item = await waiting_item(system, "uncertain", request.event_id, AGENT)
    code = verification_code(SECRET, request.event_id, "email")
    assert not await genuine(system, code)  # not registered while nobody knows
    decided = await decide(
        system, item, AGENT, verdict="confirm_delivered", reason="the borrower read it to me"
    )
    assert decided["decided"]["actor"] == "agent-1"

    async def registered() -> bool:
        return await genuine(system, code)

    await eventually(registered, timeout_s=60)
    assert len(mail_to(system.inbox, request.debtor_id)) == 1  # the one the server took
    kinds = await timeline_kinds(system, request.debtor_id)
    assert ("review_decided", "agent-1") in kinds


async def test_an_escalated_send_approved_goes_once_and_one_rejected_never(
    system: System,
) -> None:
    approved = request_of(await borrower(system, "approved"), template_id=COURT_TEMPLATE)
    rejected = request_of(await borrower(system, "rejected"), template_id=COURT_TEMPLATE)
    await publish(system, system.kafka.topics.contact_requests, approved, rejected)
    assert (await call(system, "GET", "/v1/reviews/escalated", AGENT))[0] == 403
    to_approve = await waiting_item(system, "escalated", approved.event_id, COMPLIANCE)
    to_reject = await waiting_item(system, "escalated", rejected.event_id, COMPLIANCE)
    assert to_approve["template"] == f"{COURT_TEMPLATE}@1"
    decided = await decide(
        system,
        to_approve,
        COMPLIANCE,
        verdict="approve",
        reason="case 2027-001 is genuine",
        attestation="I affirm the court reference was checked with the legal department.",
    )
    await decide(system, to_reject, COMPLIANCE, verdict="reject", reason="no such case")
    decision = ApplyReviewDecision.model_validate(
        {
            "event_id": decided["decided"]["decision_id"],
            "occurred_at": to_approve["opened_at"],
            "debtor_id": approved.debtor_id,
            "loan_id": approved.loan_id,
            "request_id": approved.event_id,
            "channel": "email",
            "queue": "escalated",
            "decision": "approve",
            "actor": "compliance-1",
            "reason": "x",
            "attestation": "x",
        }
    )
    attempt = new_attempt(approved, decision)
    code = verification_code(SECRET, attempt.event_id, "email")

    async def delivered() -> bool:
        return await genuine(system, code)

    await eventually(delivered, timeout_s=60)

    async def rejection_logged() -> bool:
        return ("review_decided", "compliance-1") in await timeline_kinds(
            system, rejected.debtor_id
        )

    await eventually(rejection_logged, timeout_s=60)
    await asyncio.sleep(3)  # time for a second send, if there were one
    [sent] = mail_to(system.inbox, approved.debtor_id)
    assert code in body_of(sent)
    assert mail_to(system.inbox, rejected.debtor_id) == []


async def test_an_uncertain_send_confirmed_not_delivered_is_re_driven_once(
    system: System,
) -> None:
    request = await uncertain_send(system, "redriven")
    item = await waiting_item(system, "uncertain", request.event_id, AGENT)
    decided = await decide(
        system, item, AGENT, verdict="confirm_not_delivered", reason="the borrower has nothing"
    )
    old = verification_code(SECRET, request.event_id, "email")

    async def two_in_the_inbox() -> bool:
        return len(mail_to(system.inbox, request.debtor_id)) == 2  # the dropped one, the new

    await eventually(two_in_the_inbox, timeout_s=60)
    await asyncio.sleep(3)
    first, second = mail_to(system.inbox, request.debtor_id)
    assert old in body_of(first)
    assert old not in body_of(second)
    assert not await genuine(system, old)  # the old send is settled not delivered

    async def logged() -> bool:  # the audit log reads the interactions in its own time
        kinds = [k for k, _ in await timeline_kinds(system, request.debtor_id)]
        return kinds.count("message_sent") == 1 and "review_decided" in kinds

    await eventually(logged, timeout_s=60)
    kinds = [k for k, _ in await timeline_kinds(system, request.debtor_id)]
    assert kinds.count("message_sent") == 1  # the new attempt's, and nothing more
    assert decided["state"] == "decided"
