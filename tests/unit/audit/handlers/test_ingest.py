"""Ingestion: each event and each dead letter becomes one entry, appended once."""

from __future__ import annotations

import hashlib
import json

from services.audit.domain.entries import DEAD_LETTER_KIND, entry_for_record
from services.audit.handlers.ingest import IngestBuffer
from shared import deadletter
from shared.errors import InvalidEvent
from shared.events import encode
from tests.support.audit import interaction, memory_log


async def test_a_redelivered_batch_appends_nothing_new() -> None:
    evidence, store = await memory_log()
    event = interaction()
    wire = encode(event, source="/dunwell/notifier")
    buffer = IngestBuffer(evidence)
    for _ in range(2):
        buffer.stage(
            entry_for_record(
                topic="dunwell.interactions.v1",
                value=wire.value,
                headers=list(wire.headers),
                timestamp_ms=0,
            )
        )
        await buffer.flush()
    assert await store.size() == 1
    [opened] = await evidence.open(await store.leaves([0]))
    assert opened.plaintext == wire.value  # the bytes exactly as published


async def test_a_sent_message_registers_its_verification_code() -> None:
    evidence, store = await memory_log()
    wire = encode(interaction(), source="/dunwell/notifier")
    await evidence.append(
        [entry_for_record(topic="t", value=wire.value, headers=list(wire.headers), timestamp_ms=0)]
    )
    found = await store.find_code("ABCD2345")
    assert found is not None
    assert (found.leaf_index, found.channel, found.account_masked) == (0, "email", "****5678")


async def test_a_dead_letter_is_logged_by_reason_and_hash_not_content() -> None:
    evidence, store = await memory_log()
    dlq = deadletter.dead_letter_record(
        key=None,
        value=b'{"mobile": "+8613812345678"}',
        headers=[],
        source=("corebanking.loan-events.v1", 1, 9),
        error=InvalidEvent("schema: x"),
        service="scheduler",
    )
    entry = entry_for_record(
        topic="corebanking.loan-events.v1.dlq",
        value=dlq.value,
        headers=list(dlq.headers),
        timestamp_ms=1_700_000_000_000,
    )
    await evidence.append([entry, entry])
    [opened] = await evidence.open(await store.leaves([0]))
    assert opened.leaf is not None
    assert opened.leaf.kind == DEAD_LETTER_KIND
    assert opened.plaintext is not None
    payload = json.loads(opened.plaintext)
    assert payload["reason"] == "schema: x"
    assert payload["value_sha256"] == hashlib.sha256(dlq.value).hexdigest()
    assert b"13812345678" not in opened.plaintext
