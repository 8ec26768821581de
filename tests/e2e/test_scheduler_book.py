"""A simulated book on the real broker gives exactly the requests the strategy calls for, even
when the scheduler is killed mid-run and restarted."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from sandbox.loanbook import publish_book, publish_items, simulated_book
from sandbox.reference import expected_requests
from sandbox.stack import Stack
from shared.events import ContactRequested, KafkaRecord, decode
from shared.kafka import KafkaEventPublisher
from shared.settings import KafkaSettings
from shared.testing.factories import overdue
from tests.polling import eventually
from tests.support.acl import grant
from tests.support.fineract import loan_account, loan_key, period, repayment_due
from tests.support.kafka import read_topic
from tests.support.stack import isolated_stack

pytestmark = pytest.mark.broker
#: Across the Spring Festival of 2027 (provisional calendar: due dates roll over 2-05 to 2-08).
LOANS, DAYS, START = 40, 75, date(2027, 1, 11)


@pytest.fixture
def scheduler(broker: str, tmp_path: Path) -> Iterator[tuple[Stack, KafkaSettings]]:
    stack, kafka = isolated_stack(broker, tmp_path, "book")
    yield stack, kafka
    stack.stop_all()


async def published_requests(kafka: KafkaSettings) -> list[ContactRequested]:
    records = await read_topic(kafka, kafka.topics.contact_requests)
    return [
        e for r in records if isinstance(e := decode(r.value, list(r.headers)), ContactRequested)
    ]


# After a SIGKILL the new worker may wait out the dead member's session before it is given the
# partitions (about 30 s usually, seen at over 90 s on a loaded machine): more than pytest's
# default 120 s for the whole test, which is what its own deadlines already bound.
@pytest.mark.timeout(300)
async def test_a_book_yields_exactly_the_expected_requests_across_a_restart(
    scheduler: tuple[Stack, KafkaSettings],
) -> None:
    stack, kafka = scheduler
    items = list(simulated_book(LOANS, days=DAYS, run=kafka.topic_namespace, start=START))
    expected = expected_requests(items)
    assert len(expected) > LOANS  # reminders, escalations, visits: a real workload
    stack.start("scheduler")
    await stack.wait_ready("scheduler")
    half = len(items) // 2
    await publish_items(kafka, items[:half])
    await eventually(lambda: _some_requests(kafka), 60)
    stack.kill("scheduler")  # SIGKILL mid-run: no commit, no flush
    await publish_items(kafka, items[half:])
    stack.start("scheduler")
    await stack.wait_ready("scheduler")

    async def all_there() -> bool:
        return {r.event_id for r in await published_requests(kafka)} >= expected

    await eventually(all_there, 120)
    await asyncio.sleep(3)
    requests = await published_requests(kafka)
    ids = [r.event_id for r in requests]
    assert set(ids) == expected, "missing or unexpected requests"
    steps = {(r.loan_id, r.episode, r.step) for r in requests}
    assert len(steps) == len(expected), "two requests for one loan step"
    assert stack.stop("scheduler") == 0


async def _some_requests(kafka: KafkaSettings) -> bool:
    return len(await published_requests(kafka)) > 5


async def test_fineract_bytes_go_through_the_running_scheduler(
    scheduler: tuple[Stack, KafkaSettings],
) -> None:
    stack, kafka = scheduler
    stack.start("scheduler")
    await stack.wait_ready("scheduler")
    opened = loan_account(
        "LoanDisbursalBusinessEvent",
        4711,
        42,
        [period(1, date(2026, 3, 10), "1050")],
        business_date=date(2026, 2, 10),
    )
    value = repayment_due(
        "LoanRepaymentOverdueBusinessEvent", 4711, 1, date(2026, 3, 10), "1050", date(2026, 3, 13)
    )
    publisher = KafkaEventPublisher(kafka, service="fineract")
    await publisher.start()
    try:
        for each in (opened, value):
            await publisher.publish_record(
                kafka.topics.loan_events, KafkaRecord(key=loan_key(4711), value=each, headers=())
            )
    finally:
        await publisher.aclose()

    async def requested() -> bool:
        return any(r.loan_id == "4711" for r in await published_requests(kafka))

    await eventually(requested, 60)
    [request] = [r for r in await published_requests(kafka) if r.loan_id == "4711"]
    assert (request.amount_due, request.step) == (Decimal("1050"), "early-notice")
    assert request.debtor_id == "42"  # the client Fineract named, never a made-up debtor


async def test_the_scheduler_authenticates_with_scram(broker: str, tmp_path: Path) -> None:
    """faust too: the scheduler works through the SASL listener with its user's ACLs only."""
    stack, kafka = await asyncio.to_thread(isolated_stack, broker, tmp_path, "sasl")
    namespace, app = kafka.topic_namespace, f"dunwell-scheduler-{kafka.topic_namespace}"
    for resource in (
        ("--resource-pattern-type", "prefixed", "--topic", f"{namespace}."),
        ("--resource-pattern-type", "prefixed", "--topic", app),
        ("--resource-pattern-type", "prefixed", "--group", app),
        ("--resource-pattern-type", "prefixed", "--transactional-id", app),
        ("--cluster",),
    ):
        grant("User:dunwell-scheduler", "--operation", "All", *resource)
    port = os.environ.get("KAFKA_SASL_PORT", "19094")
    extra = {
        "DUNWELL_SCHEDULER_KAFKA__BOOTSTRAP_SERVERS": f"127.0.0.1:{port}",
        "DUNWELL_SCHEDULER_KAFKA__SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "DUNWELL_SCHEDULER_KAFKA__SASL_MECHANISM": "SCRAM-SHA-512",
        "DUNWELL_SCHEDULER_KAFKA__SASL_USERNAME": "dunwell-scheduler",
        "DUNWELL_SCHEDULER_KAFKA__SASL_PASSWORD": "scheduler-secret",
    }
    try:
        stack.start("scheduler", extra_env=extra)
        await stack.wait_ready("scheduler")
        event = overdue()
        await publish_book(kafka, [("loan", event)])

        async def requested() -> bool:
            return any(r.loan_id == event.loan_id for r in await published_requests(kafka))

        await eventually(requested, 60)
    finally:
        stack.stop_all()
