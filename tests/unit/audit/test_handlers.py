"""The audit log takes each event and each dead letter once, keeping the original bytes."""

from __future__ import annotations

import hashlib
import json

import pytest

from services.audit.adapters.memory import InMemoryAuditStore
from services.audit.domain import DEAD_LETTER_KIND
from services.audit.handlers import record
from shared import deadletter
from shared.errors import InvalidEvent
from shared.events import InteractionRecorded, encode
from shared.testing.factories import contact_request


def interaction() -> InteractionRecorded:
    request = contact_request()
    return InteractionRecorded(
        event_id=f"i-{request.event_id}",
        occurred_at=request.occurred_at,
        debtor_id=request.debtor_id,
        loan_id=request.loan_id,
        request_id=request.event_id,
        channel="email",
        kind="message_sent",
        provider="smtp",
    )


async def test_an_event_is_appended_once_with_its_bytes() -> None:
    store = InMemoryAuditStore()
    event = interaction()
    wire = encode(event, source="/dunwell/notifier")
    for _ in range(2):
        await record(
            store,
            topic="dunwell.interactions.v1",
            value=wire.value,
            headers=list(wire.headers),
            timestamp_ms=0,
        )
    [stored] = await store.entries(loan_id=event.loan_id)
    assert stored.index == 0
    assert stored.entry.payload == wire.value
    assert stored.entry.debtor_id == event.debtor_id


async def test_an_invalid_event_is_refused_for_the_dead_letter_topic() -> None:
    with pytest.raises(InvalidEvent):
        await record(
            InMemoryAuditStore(),
            topic="dunwell.interactions.v1",
            value=b"{",
            headers=[],
            timestamp_ms=0,
        )


async def test_a_dead_letter_is_logged_by_reason_and_hash_not_content() -> None:
    store = InMemoryAuditStore()
    dlq = deadletter.dead_letter_record(
        key=None,
        value=b'{"mobile": "+8613812345678"}',
        headers=[],
        source=("corebanking.loan-events.v1", 1, 9),
        error=InvalidEvent("schema: x"),
        service="scheduler",
    )
    for _ in range(2):
        await record(
            store,
            topic="corebanking.loan-events.v1.dlq",
            value=dlq.value,
            headers=list(dlq.headers),
            timestamp_ms=1_700_000_000_000,
        )
    [stored] = await store.entries()
    assert stored.entry.kind == DEAD_LETTER_KIND
    payload = json.loads(stored.entry.payload)
    assert payload["reason"] == "schema: x"
    assert payload["source"] == {
        "topic": "corebanking.loan-events.v1",
        "partition": "1",
        "offset": "9",
    }
    assert payload["value_sha256"] == hashlib.sha256(dlq.value).hexdigest()
    assert b"13812345678" not in stored.entry.payload
