"""The audit's consumer: every Dunwell topic and every dead-letter topic, staged per record."""

from __future__ import annotations

from services.audit.adapters.memory import InMemoryAuditStore, SettableClock
from services.audit.entrypoints.consumer import audited_topics, dispatch
from services.audit.handlers.evidence import EvidenceLog
from services.audit.handlers.ingest import IngestBuffer
from shared.events import encode
from shared.settings import KafkaSettings
from shared.testing.source import InMemoryRecord
from tests.support.audit import interaction


def test_every_dunwell_topic_and_its_dead_letters_are_read() -> None:
    topics = KafkaSettings().topics
    read = audited_topics(topics)
    inputs = {topics.loan_events, topics.customer_events, topics.scheduler_commands}
    assert set(read) == {n for n in topics.all() if n not in inputs}
    assert set(topics.dead_letters()) <= set(read)
    assert len(read) == len(set(read))


async def test_a_record_is_staged_until_the_flush_appends_it() -> None:
    store = InMemoryAuditStore()
    log = EvidenceLog(store, b"k" * 32, SettableClock())
    await log.load()
    buffer = IngestBuffer(log)
    wire = encode(interaction(), source="/dunwell/notifier")
    record = InMemoryRecord("dunwell.interactions.v1", 0, 0, None, wire.value, wire.headers, 0)
    await dispatch(record, buffer)
    assert (len(buffer.staged), await store.size()) == (1, 0)
    await buffer.flush()
    assert (buffer.staged, await store.size()) == ([], 1)
