"""The scheduler's outputs are pipelined, and no commit runs ahead of them, on the real broker.

Decisions are sent without waiting for each acknowledgement; every commit (timer, rebalance,
shutdown) first waits for all of them. Here the broker refuses every contact request (the
topic's largest record is made smaller than one): the state the requests came from and its
offsets never commit, the worker stops non-zero, and once the topic takes them again the
restarted worker decides afresh and publishes each request once. A SIGKILL right after the
next commit finds every loan whose state committed with its request already on the topic,
and the worker restarted after it publishes none of them again.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from sandbox.stack import Stack
from shared.events import decode
from shared.kafka import KafkaEventPublisher, client_options
from shared.settings import KafkaSettings
from shared.testing.factories import overdue
from tests.polling import eventually
from tests.support.kafka import read_topic
from tests.support.stack import isolated_stack

pytestmark = pytest.mark.broker
LOANS = 12
#: Kafka's default largest record batch (``max.message.bytes``).
DEFAULT_MAX_BYTES = 1048588


@pytest.fixture
def scheduler(broker: str, tmp_path: Path) -> Iterator[tuple[Stack, KafkaSettings]]:
    stack, kafka = isolated_stack(broker, tmp_path, "gate")
    try:
        yield stack, kafka
    finally:
        stack.stop_all()


async def largest_record(kafka: KafkaSettings, topic: str, size: int) -> None:
    """Set the topic's largest accepted record batch (its other settings stay the defaults)."""
    admin = AIOKafkaAdminClient(**client_options(kafka))
    await admin.start()
    try:
        resource = ConfigResource(
            ConfigResourceType.TOPIC, topic, configs={"max.message.bytes": str(size)}
        )
        [response] = await admin.alter_configs([resource])
        assert all(error == 0 for error, *_ in response.resources)
    finally:
        await admin.close()
    await asyncio.sleep(2)  # the broker applies a topic's new settings a moment later


async def requested(kafka: KafkaSettings) -> Counter[str]:
    """Loan id -> contact requests for it on the topic (committed records only)."""
    records = await read_topic(kafka, kafka.topics.contact_requests)
    return Counter(str(getattr(decode(r.value, list(r.headers)), "loan_id", "")) for r in records)


async def committed_state(kafka: KafkaSettings, app_id: str) -> set[str]:
    """Loan ids whose state is in a committed transaction of the loans changelog."""
    records = await read_topic(kafka, f"{app_id}-loans-changelog")
    return {r.key.decode().strip('"') for r in records if r.key}


async def publish(kafka: KafkaSettings, count: int) -> list[str]:
    publisher = KafkaEventPublisher(kafka, service="corebanking")
    await publisher.start()
    try:
        events = [overdue() for _ in range(count)]
        for event in events:
            await publisher.publish(kafka.topics.loan_events, event)
    finally:
        await publisher.aclose()
    return [e.loan_id for e in events]


async def exited(stack: Stack, service: str, timeout_s: float) -> int:
    """The exit code of a service that stops by itself within ``timeout_s``."""
    process = stack.processes[service]
    for _ in range(int(timeout_s * 2)):
        if process.poll() is not None:
            return stack.stop(service)  # (closes its log)
        await asyncio.sleep(0.5)
    raise TimeoutError(f"{service} still running after {timeout_s} s")


FAST_COMMITS = {"DUNWELL_SCHEDULER_COMMIT_INTERVAL_S": "0.5"}


@pytest.mark.timeout(420)
async def test_no_state_or_offset_commits_ahead_of_an_unacknowledged_output(
    scheduler: tuple[Stack, KafkaSettings],
) -> None:
    stack, kafka = scheduler
    app_id = f"dunwell-scheduler-{kafka.topic_namespace}"
    await largest_record(kafka, kafka.topics.contact_requests, 64)
    stack.start("scheduler", FAST_COMMITS)
    await stack.wait_ready("scheduler")
    loans = await publish(kafka, LOANS)

    assert await exited(stack, "scheduler", 90) != 0
    assert "commit refused" in stack.log_text("scheduler")
    assert await committed_state(kafka, app_id) == set()
    assert not await requested(kafka)

    await largest_record(kafka, kafka.topics.contact_requests, DEFAULT_MAX_BYTES)
    stack.start("scheduler", FAST_COMMITS)
    await stack.wait_ready("scheduler")

    async def all_committed() -> bool:
        return set(loans) <= await committed_state(kafka, app_id)

    await eventually(all_committed, timeout_s=240)
    stack.kill("scheduler")  # right after a commit
    committed, sent = await committed_state(kafka, app_id), await requested(kafka)
    assert {loan for loan in committed if sent[loan] == 0} == set()

    stack.start("scheduler", FAST_COMMITS)
    await stack.wait_ready("scheduler")
    later = await publish(kafka, 2)

    async def later_requested() -> bool:
        found = await requested(kafka)
        return all(found[loan] for loan in later)

    await eventually(later_requested, timeout_s=240)
    after = await requested(kafka)
    assert {loan: after[loan] for loan in loans} == dict.fromkeys(loans, 1)
