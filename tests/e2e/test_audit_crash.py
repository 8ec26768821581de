"""Killing the audit service during ingestion loses nothing and duplicates nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from sandbox.stack import LOCAL_TOKENS, Stack
from services.audit.adapters.file_witness import FileWitness
from services.audit.adapters.sql import SqlAuditStore
from services.audit.bootstrap import published_keys, signer_for
from services.audit.domain.keys import verifier_keys
from services.audit.handlers.selfcheck import self_check
from services.audit.settings import Settings
from shared.database import create_engine
from shared.events import InteractionRecorded
from shared.kafka import KafkaEventPublisher
from shared.settings import KafkaSettings
from shared.testing.factories import contact_request
from tests.polling import eventually
from tests.support.stack import isolated_stack

pytestmark = pytest.mark.broker
EVENTS = 3000
AUDITOR = {"Authorization": f"Bearer {LOCAL_TOKENS['auditor']['token']}"}


@pytest.fixture
def audit_only(broker: str, tmp_path: Path) -> Iterator[tuple[Stack, KafkaSettings]]:
    stack, kafka = isolated_stack(broker, tmp_path, "crash")
    yield stack, kafka
    stack.stop_all()


def interactions() -> list[InteractionRecorded]:
    found = []
    for n in range(EVENTS):
        request = contact_request(debtor_id=f"debtor-{n % 50}")
        found.append(
            InteractionRecorded(
                event_id=f"i-{request.event_id}",
                occurred_at=request.occurred_at,
                debtor_id=request.debtor_id,
                loan_id=request.loan_id,
                request_id=request.event_id,
                channel="email",
                kind="message_sent",
                provider="smtp",
            )
        )
    return found


async def log_size(stack: Stack) -> int:
    url = f"http://127.0.0.1:{stack.config.ports['audit']}/metrics"
    try:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            text = await response.text()
    except aiohttp.ClientError:
        return -1
    line = next((x for x in text.splitlines() if x.startswith("audit_log_entries ")), None)
    return int(float(line.split()[1])) if line else -1


async def test_sigkill_during_ingestion_loses_and_doubles_nothing(
    audit_only: tuple[Stack, KafkaSettings],
) -> None:
    stack, kafka = audit_only
    stack.start("audit")
    await stack.wait_ready("audit")
    publisher = KafkaEventPublisher(kafka, service="notifier")
    await publisher.start()
    events = interactions()
    try:
        await _publish(publisher, kafka, events[: EVENTS // 3 + 1])
        await eventually(lambda: _some(stack), 60)
        stack.kill("audit")  # SIGKILL mid-ingestion: no shutdown work at all
        stack.start("audit")
        await stack.wait_ready("audit")
        await _publish(publisher, kafka, events[EVENTS // 3 + 1 :])
        # Each event published twice more (a producer retry, a replay): still once in the log.
        await _publish(publisher, kafka, events[:200])
    finally:
        await publisher.aclose()
    await eventually(lambda: _size_is(stack, EVENTS), 120)
    await asyncio.sleep(2)
    assert await log_size(stack) == EVENTS
    assert stack.stop("audit") == 0

    settings = Settings(database_url=stack.config.env("audit")["DUNWELL_AUDIT_DATABASE_URL"])
    store = SqlAuditStore(create_engine(settings.database_url))
    try:
        rows = await store.leaves_between(0, EVENTS + 10)
        assert len(rows) == EVENTS
        assert {r.event_id for r in rows} == {e.event_id for e in events}
        keys = verifier_keys(published_keys(settings, signer_for(settings)))
        witness = FileWitness(Path(stack.config.env("audit")["DUNWELL_AUDIT_WITNESS_PATH"]))
        assert await self_check(store, keys, witness) == []
    finally:
        await store.close()


async def _publish(
    publisher: KafkaEventPublisher, kafka: KafkaSettings, events: list[InteractionRecorded]
) -> None:
    """Publish ``events`` without waiting for each acknowledgement before the next send."""
    await asyncio.gather(*(publisher.publish(kafka.topics.interactions, e) for e in events))


async def _some(stack: Stack) -> bool:
    return await log_size(stack) > 100


async def _size_is(stack: Stack, expected: int) -> bool:
    return await log_size(stack) >= expected
