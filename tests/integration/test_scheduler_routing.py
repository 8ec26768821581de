"""The scheduler's routers on the real broker: each case action is forwarded to its loan's
partition of the command topic and is there for the worker's own read_committed consumer at
once, even on a partition with nothing else going on (a forwarded record once waited, in an
exactly_once transaction of the destination partition, for that partition's next commit)."""

from __future__ import annotations

import asyncio
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sandbox.smtp import SmtpInbox, free_port
from sandbox.stack import Stack, StackConfig
from shared.events import ApplyCaseAction, decode, encode
from shared.kafka import KafkaEventPublisher, create_topics
from shared.settings import KafkaSettings
from shared.testing.factories import random_ref
from tests.support.kafka import read_topic

pytestmark = pytest.mark.broker
SERVICES = ("audit", "notifier", "scheduler", "desk")


async def committed_ids(kafka: KafkaSettings) -> set[str]:
    records = await read_topic(kafka, kafka.topics.scheduler_commands)
    return {decode(r.value, list(r.headers)).event_id for r in records}


async def test_each_case_action_is_forwarded_and_committed_at_once(
    broker: str, tmp_path: Path
) -> None:
    kafka = KafkaSettings(bootstrap_servers=broker, topic_namespace=f"rt{secrets.token_hex(3)}")
    await create_topics(kafka, kafka.topics.all(), partitions=4)
    inbox = SmtpInbox().start()
    config = StackConfig(
        bootstrap_servers=broker,
        workdir=tmp_path,
        smtp_port=inbox.port,
        namespace=kafka.topic_namespace,
        ports={s: free_port() for s in SERVICES},
    )
    stack = Stack(config)
    publisher = KafkaEventPublisher(kafka, service="test")
    debtor, loan = random_ref("debtor"), random_ref("loan")
    try:
        stack.start("scheduler")
        await stack.wait_ready("scheduler", timeout_s=120)
        await publisher.start()
        for n in range(3):
            action = ApplyCaseAction(
                event_id=random_ref("act"),
                occurred_at=datetime.now(UTC),
                debtor_id=debtor,
                loan_id=loan,
                action="instalment_request",
                origin="agent",
                origin_id=f"action-{n}",
                actor="agent-1",
            )
            await publisher.publish_record(kafka.topics.case_actions, encode(action, source="/t"))
            deadline = time.monotonic() + 20
            while action.event_id not in await committed_ids(kafka):
                assert time.monotonic() < deadline, f"action {n} not committed within 20 s"
                await asyncio.sleep(0.5)
    finally:
        await publisher.aclose()
        stack.stop_all()
        inbox.stop()
