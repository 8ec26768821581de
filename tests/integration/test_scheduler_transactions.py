"""The scheduler's exactly-once claim, checked on the real broker: a decision is published
inside the transaction of the source partition it came from, with the loan's new state and the
source offset, so a reader that takes only committed records (as the notifier and audit do)
never sees a decision whose state and offset were lost in a crash, and sees it once after.
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
async def test_a_decision_commits_with_its_state_and_offset_or_not_at_all(
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

    async def written() -> bool:
        return bool(await requests_for(kafka, event.loan_id, committed=False))

    await eventually(written, timeout_s=90)
    [first] = await requests_for(kafka, event.loan_id, committed=False)
    # Written, but inside the open transaction: no committed reader sees the decision yet.
    assert await requests_for(kafka, event.loan_id, committed=True) == []
    app_id = f"dunwell-scheduler-{kafka.topic_namespace}"
    assert await changelog(kafka, app_id, committed=False) >= 1
    assert await changelog(kafka, app_id, committed=True) == 0

    stack.kill("scheduler")  # the transaction never commits: decision, state and offset together
    stack.start("scheduler", {})
    await stack.wait_ready("scheduler")

    async def committed() -> bool:
        return bool(await requests_for(kafka, event.loan_id, committed=True))

    await eventually(committed, timeout_s=240)
    await asyncio.sleep(1)
    # The event was read again and decided again: the same deterministic decision, committed
    # once; the first copy stays in the log, aborted, invisible to committed readers.
    assert await requests_for(kafka, event.loan_id, committed=True) == [first]
    assert await requests_for(kafka, event.loan_id, committed=False) == [first, first]
    assert await changelog(kafka, app_id, committed=True) >= 1
