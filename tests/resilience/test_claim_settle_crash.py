"""The notifier killed between the claim and the settle of a 200-request batch (a real
process, SIGKILL, on the real broker with the provider sandbox): after its restart nothing is
doubled and nothing lost. The sends it had handed over are found through Aliyun's query API
(QuerySendDetails, by our out-id); the others go out once."""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import pytest

from sandbox.loanbook import sandbox_mobile
from sandbox.providers.background import BackgroundSandbox
from sandbox.smtp import free_port
from sandbox.stack import SERVICES, Stack, StackConfig, morning_of
from shared.events import ContactRequested, Event
from shared.kafka import KafkaEventPublisher, create_topics, delete_topics, in_namespace
from shared.settings import KafkaSettings
from shared.testing.factories import contact_details, contact_request
from tests.polling import eventually

pytestmark = pytest.mark.broker
REQUESTS = 200
#: A weekday the calendar covers officially (the gate allows an SMS in the morning).
CLOCK_DAY = date(2026, 11, 30)


def requests_for(run: str) -> list[ContactRequested]:
    due, pay_by = CLOCK_DAY - timedelta(days=3), CLOCK_DAY + timedelta(days=7)
    return [
        contact_request(debtor_id=f"{run}-D{n}", channels=("sms",), due_date=due, pay_by=pay_by)
        for n in range(REQUESTS)
    ]


def ledger(database: Path) -> Counter[tuple[str, bool]]:
    """The send ledger's rows by (status, provider noted)."""
    if not database.exists():
        return Counter()
    with sqlite3.connect(database, timeout=5) as conn:
        try:
            rows = conn.execute("SELECT status, provider IS NOT NULL FROM notifier_send_ledger")
        except sqlite3.OperationalError:  # not migrated yet
            return Counter()
        return Counter((status, bool(noted)) for status, noted in rows)


async def publish(kafka: KafkaSettings, topic: str, events: Sequence[Event]) -> None:
    publisher = KafkaEventPublisher(kafka, service="resilience")
    await publisher.start()
    try:
        await asyncio.gather(*(publisher.publish(topic, e) for e in events))
    finally:
        await publisher.aclose()


@pytest.mark.timeout(420)
async def test_a_kill_between_claim_and_settle_doubles_nothing_and_loses_nothing(
    broker: str, tmp_path: Path
) -> None:
    run = f"cs{secrets.token_hex(3)}"
    kafka = KafkaSettings(bootstrap_servers=broker, topic_namespace=run)
    # One partition: the first poll brings every request, and they are one batch.
    await create_topics(kafka, kafka.topics.all(), partitions=1)
    ports = {service: free_port() for service in SERVICES}
    providers = BackgroundSandbox(callback_base=f"http://127.0.0.1:{ports['notifier']}").start()
    config = StackConfig(
        bootstrap_servers=broker,
        workdir=tmp_path,
        smtp_port=free_port(),
        namespace=run,
        ports=ports,
        providers_url=providers.url,
        notifier_clock_start=morning_of(CLOCK_DAY),
    )
    stack = Stack(config)
    database = tmp_path / "notifier.db"
    try:
        directory: list[Event] = [
            contact_details(f"{run}-D{n}", mobile=sandbox_mobile(n), email=None)
            for n in range(REQUESTS)
        ]
        await publish(kafka, kafka.topics.customer_events, directory)
        requests = requests_for(run)
        await publish(kafka, kafka.topics.contact_requests, requests)
        # Aliyun keeps every message and then never answers: the batch stays in its calls.
        providers.fault("aliyun", "timeout", count=REQUESTS)
        stack.start("notifier", extra_env={"DUNWELL_NOTIFIER_ALIYUN__RATE_PER_S": "100000"})

        async def claimed_and_calling() -> bool:
            return ledger(database)[("pending", True)] > 0 and len(providers.received()) > 0

        await eventually(claimed_and_calling, timeout_s=240)
        stack.kill("notifier")
        at_kill = ledger(database)
        # The whole batch was claimed (durable) before its calls; none was settled.
        assert sum(at_kill.values()) == REQUESTS, at_kill
        assert set(at_kill) <= {("pending", True), ("pending", False)}, at_kill
        handed_over = len(providers.received())
        assert 0 < handed_over < REQUESTS

        providers.fault("aliyun", "timeout", count=0)  # Aliyun answers again
        stack.start("notifier", extra_env={"DUNWELL_NOTIFIER_ALIYUN__RATE_PER_S": "100000"})

        async def all_sent() -> bool:
            return ledger(database)[("sent", True)] == REQUESTS

        await eventually(all_sent, timeout_s=240)
        await asyncio.sleep(3)  # any duplicate would have arrived by now
        received = Counter(r.to for r in providers.received())
        expected = {sandbox_mobile(n) for n in range(REQUESTS)}
        assert set(received) == expected  # nothing lost
        assert set(received.values()) == {1}  # nothing doubled
    finally:
        stack.stop_all()
        providers.stop()
        await delete_topics(kafka, in_namespace(run))
