"""What the scheduler's exactly-once setting does and does not cover, checked on the real broker.

The loan state (the table's changelog) and the source offsets commit in one Kafka transaction
per partition. A decision is not in it: faust sends records to topics its agent does not read
through its plain idempotent producer, and the scheduler waits for the broker's acknowledgement
before it writes the state. So a decision is visible at once, a crash before the commit loses
the state and the offset, not the decision, and the restarted worker publishes the very same
decision again (its id is deterministic), which the notifier and audit dedupe.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.stack import Stack
from shared.events import decode
from shared.kafka import KafkaEventPublisher
from shared.settings import KafkaSettings
from shared.testing.factories import overdue
from tests.polling import eventually
from tests.support.kafka import read_topic
from tests.support.stack import isolated_stack

pytestmark = pytest.mark.broker


@pytest.fixture
def scheduler(broker: str, tmp_path: Path) -> Iterator[tuple[Stack, KafkaSettings]]:
    stack, kafka = isolated_stack(broker, tmp_path, "txn")
    try:
        yield stack, kafka
    finally:
        stack.stop_all()


async def requests_for(kafka: KafkaSettings, loan_id: str, *, committed: bool) -> list[str]:
    """Event ids of the contact requests for ``loan_id`` on the topic."""
    records = await read_topic(kafka, kafka.topics.contact_requests, committed=committed)
    events = [decode(r.value, list(r.headers)) for r in records]
    return [e.event_id for e in events if getattr(e, "loan_id", None) == loan_id]


async def changelog(kafka: KafkaSettings, app_id: str, *, committed: bool) -> int:
    return len(await read_topic(kafka, f"{app_id}-loans-changelog", committed=committed))


@pytest.mark.timeout(300)
async def test_a_decision_is_published_before_its_state_commits_and_again_after_a_crash(
    scheduler: tuple[Stack, KafkaSettings],
) -> None:
    stack, kafka = scheduler
    # A long commit interval keeps the first transaction open long enough to look inside it.
    stack.start("scheduler", {"DUNWELL_SCHEDULER_COMMIT_INTERVAL_S": "120"})
    await stack.wait_ready("scheduler")
    event = overdue()
    publisher = KafkaEventPublisher(kafka, service="corebanking")
    await publisher.start()
    try:
        await publisher.publish(kafka.topics.loan_events, event)
    finally:
        await publisher.aclose()

    async def published() -> bool:
        return bool(await requests_for(kafka, event.loan_id, committed=True))

    await eventually(published, timeout_s=90)
    [first] = await requests_for(kafka, event.loan_id, committed=True)
    # The decision is visible; the state it came from is still inside the open transaction.
    app_id = f"dunwell-scheduler-{kafka.topic_namespace}"
    assert await changelog(kafka, app_id, committed=False) >= 1
    assert await changelog(kafka, app_id, committed=True) == 0

    stack.kill("scheduler")  # the transaction never commits: the state and the offset are lost
    stack.start("scheduler", {})
    await stack.wait_ready("scheduler")

    async def state_committed() -> bool:
        return await changelog(kafka, app_id, committed=True) >= 1

    await eventually(state_committed, timeout_s=240)
    await asyncio.sleep(1)
    # The event was read again and decided again: the same decision, by id, for downstream to
    # dedupe; never a different one.
    assert await requests_for(kafka, event.loan_id, committed=True) == [first, first]
