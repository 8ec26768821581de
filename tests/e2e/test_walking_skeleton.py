"""End to end on the real broker: overdue event -> contact request -> email -> audit entry."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

import aiohttp
import pytest

from sandbox.loanbook import publish_book
from sandbox.stack import LOCAL_TOKENS, run_date
from shared.events import InstalmentFellOverdue, KafkaRecord, encode
from shared.kafka import KafkaEventPublisher
from shared.testing.factories import contact_details, contact_request, overdue
from tests.e2e.conftest import System
from tests.polling import eventually

pytestmark = pytest.mark.broker
SETTLE_S = 3.0  # after the expected effects appear, how long to watch for duplicates


def recent_overdue() -> InstalmentFellOverdue:
    """An instalment a week overdue on the run's date, reported at 09:30 in Shanghai: the
    notice it gives is still true when the gate's clock (on the same date) sends it."""
    day = run_date()
    return overdue(
        occurred_at=datetime.combine(day, time(1, 30), UTC),
        due_date=day - timedelta(days=7),
        days_past_due=7,
    )


AUDITOR = {"Authorization": f"Bearer {LOCAL_TOKENS['auditor']['token']}"}


async def audit_entries(system: System, **query: str) -> list[dict[str, Any]]:
    """The audit timeline, without the entries that record the test's own reads."""
    async with (
        aiohttp.ClientSession(headers=AUDITOR) as session,
        session.get(system.url("audit", "/v1/timeline"), params=query) as response,
    ):
        assert response.status == 200
        body = await response.json()
    entries: list[dict[str, Any]] = body["entries"]
    return [e for e in entries if e["kind"] != "dunwell.audit.plaintext-read.v1"]


def emails_to(system: System, address: str) -> list[Any]:
    return [m for m in system.inbox.messages() if m["X-RcptTo"] == address]


async def test_one_overdue_event_gives_exactly_one_email_and_its_audit_entries(
    system: System,
) -> None:
    event = recent_overdue()
    details = contact_details(event.debtor_id)
    # Core banking redelivers the overdue event: still one email.
    book = [("customer", details), ("loan", event), ("loan", event)]
    await publish_book(system.kafka, book)

    async def delivered() -> bool:
        entries = await audit_entries(system, loan_id=event.loan_id)
        return bool(emails_to(system, str(details.email))) and len(entries) >= 4

    await eventually(delivered)
    await asyncio.sleep(SETTLE_S)
    [email] = emails_to(system, str(details.email))
    body = email.get_payload(decode=True).decode()
    assert "****5678" in body
    assert "6222020012345678" not in body
    entries = await audit_entries(system, loan_id=event.loan_id)
    # The request asks for SMS and email; this stack has no SMS provider, so SMS is blocked.
    assert sorted(e["kind"] for e in entries) == [
        "dunwell.contact.requested.v1",
        "dunwell.delinquency.range-changed.v1",
        "dunwell.interaction.recorded.v1",
        "dunwell.interaction.recorded.v1",
    ]
    interactions = [e for e in entries if e["kind"] == "dunwell.interaction.recorded.v1"]
    by_channel = {e["content"]["channel"]: e["content"] for e in interactions}
    assert by_channel["sms"]["kind"] == "send_blocked"
    assert by_channel["sms"]["reason"] == "sms is not configured"
    entry = {"content": by_channel["email"]}
    assert entry["content"]["kind"] == "message_sent"
    assert entry["content"]["policy_pack"].startswith("cn.bank.consumer@")
    assert entry["content"]["provider_message_id"] == email["Message-ID"]
    assert entry["content"]["verification_code"] in body


async def test_a_malformed_core_banking_event_is_dead_lettered_and_audited(
    system: System,
) -> None:
    publisher = KafkaEventPublisher(system.kafka, service="corebanking")
    await publisher.start()
    try:
        await publisher.publish_record(
            system.kafka.topics.loan_events,
            KafkaRecord(
                key=b"loan-x",
                value=b'{"type": "corebanking.loan.instalment-overdue.v1"',
                headers=(("ce_id", b"bad-1"),),
            ),
        )
    finally:
        await publisher.aclose()
    # The scheduler keeps going: a valid event after the bad one is still handled.
    event = recent_overdue()
    await publish_book(
        system.kafka, [("customer", contact_details(event.debtor_id)), ("loan", event)]
    )

    async def dead_letter_audited() -> bool:
        entries = await audit_entries(system, kind="dunwell.dead-letter.v1")
        return any(
            e["kind"] == "dunwell.dead-letter.v1"
            and e["content"]["source"]["topic"] == system.kafka.topics.loan_events
            for e in entries
        )

    await eventually(dead_letter_audited)
    await eventually(lambda: _has_entry(system, event.loan_id))
    dead = [
        e
        for e in await audit_entries(system, kind="dunwell.dead-letter.v1")
        if e["kind"] == "dunwell.dead-letter.v1"
    ]
    assert dead[0]["content"]["reason_code"] == "invalid_event"
    assert dead[0]["content"]["service"] == "scheduler"
    assert "body is not JSON" in dead[0]["content"]["reason"]
    metrics = await _text(system.url("scheduler", "/metrics"))
    assert 'dunwell_dead_letters_total{reason="invalid_event",service="scheduler"' in metrics


async def _has_entry(system: System, loan_id: str) -> bool:
    return bool(await audit_entries(system, loan_id=loan_id))


async def _text(url: str) -> str:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return await response.text()


async def test_every_service_reports_health_and_metrics(system: System) -> None:
    for service in ("audit", "notifier", "scheduler", "desk"):
        for path in ("/healthz", "/readyz"):
            body = json.loads(await _text(system.url(service, path)))
            assert body["ok"] is True, (service, path)
        assert "dunwell_" in await _text(system.url(service, "/metrics"))


def _bad_records(seed: int) -> list[KafkaRecord]:
    """Hand-written and generated garbage: every way a record can be wrong."""
    import random

    good = encode(contact_request(), source="/fuzz")
    body = json.loads(good.value)
    rng = random.Random(seed)
    values = [
        b"\xff\xfe\xfd not utf-8",
        b"[1, 2, 3]",
        json.dumps({**body, "type": "dunwell.unknown.v7"}).encode(),
        json.dumps({k: v for k, v in body.items() if k != "debtor_id"}).encode(),
        json.dumps({**body, "amount_due": {"nested": True}}).encode(),
        json.dumps({**body, "channels": []}).encode(),
        json.dumps({**body, "blob": "x" * 300_000}).encode(),  # large, under the broker's limit
        *(rng.randbytes(rng.randint(1, 400)) for _ in range(5)),
    ]
    return [
        KafkaRecord(key=f"bad-{n}".encode(), value=v, headers=good.headers)
        for n, v in enumerate(values)
    ]


async def test_bad_records_on_every_input_topic_are_dead_lettered_and_stop_nothing(
    system: System,
) -> None:
    topics = system.kafka.topics
    inputs = {
        topics.loan_events: "scheduler",
        topics.customer_events: "notifier",
        topics.contact_requests: "notifier",
        topics.interactions: "audit",
    }
    bad = _bad_records(seed=11)
    publisher = KafkaEventPublisher(system.kafka, service="fuzz")
    await publisher.start()
    try:
        for topic in inputs:
            for record in bad:
                await publisher.publish_record(topic, record)
    finally:
        await publisher.aclose()

    async def all_dead_lettered() -> bool:
        entries = await audit_entries(system, kind="dunwell.dead-letter.v1")
        seen: dict[str, int] = {}
        for e in entries:
            source = e["content"]["source"]["topic"]
            seen[source] = seen.get(source, 0) + 1
        return all(seen.get(topic, 0) >= len(bad) for topic in inputs)

    await eventually(all_dead_lettered, timeout_s=90)
    entries = await audit_entries(system, kind="dunwell.dead-letter.v1")
    for e in entries:
        assert e["content"]["reason"]
        assert e["content"]["reason_code"] == "invalid_event"
    for service in ("audit", "notifier", "scheduler", "desk"):
        body = json.loads(await _text(system.url(service, "/readyz")))
        assert body["ok"] is True, service
    # And the pipeline still works after all that: one more overdue event gives one email.
    event = recent_overdue()
    details = contact_details(event.debtor_id)
    await publish_book(system.kafka, [("customer", details), ("loan", event)])
    await eventually(lambda: bool(emails_to(system, str(details.email))), timeout_s=60)
