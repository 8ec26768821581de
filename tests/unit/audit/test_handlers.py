"""Ingestion: each event and each dead letter becomes one entry, appended once."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest

from services.audit.adapters.memory import InMemoryAuditStore
from services.audit.domain import DEAD_LETTER_KIND, decode_leaf
from services.audit.handlers import IngestBuffer, entry_for_record, public_answer, read_case
from services.audit.log import EvidenceLog
from services.audit.ports import CodeRow
from shared import deadletter
from shared.errors import InvalidEvent
from shared.events import InteractionRecorded, encode
from shared.testing.factories import contact_request


def interaction(**overrides: object) -> InteractionRecorded:
    request = contact_request()
    fields: dict[str, object] = {
        "event_id": f"i-{request.event_id}",
        "occurred_at": request.occurred_at,
        "debtor_id": request.debtor_id,
        "loan_id": request.loan_id,
        "request_id": request.event_id,
        "channel": "email",
        "kind": "message_sent",
        "provider": "smtp",
        "verification_code": "ABCD2345",
        "account_masked": "****5678",
    }
    fields.update(overrides)
    return InteractionRecorded.model_validate(fields)


async def log() -> tuple[EvidenceLog, InMemoryAuditStore]:
    store = InMemoryAuditStore()
    evidence = EvidenceLog(store, b"k" * 32)
    await evidence.load()
    return evidence, store


async def test_a_redelivered_batch_appends_nothing_new() -> None:
    evidence, store = await log()
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
    evidence, store = await log()
    wire = encode(interaction(), source="/dunwell/notifier")
    await evidence.append(
        [entry_for_record(topic="t", value=wire.value, headers=list(wire.headers), timestamp_ms=0)]
    )
    found = await store.find_code("ABCD2345")
    assert found is not None
    assert (found.leaf_index, found.channel, found.account_masked) == (0, "email", "****5678")


def test_an_invalid_event_is_refused_for_the_dead_letter_topic() -> None:
    with pytest.raises(InvalidEvent):
        entry_for_record(topic="dunwell.interactions.v1", value=b"{", headers=[], timestamp_ms=0)


async def test_a_dead_letter_is_logged_by_reason_and_hash_not_content() -> None:
    evidence, store = await log()
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


async def test_reading_a_case_is_itself_logged() -> None:
    evidence, store = await log()
    event = interaction()
    wire = encode(event, source="/n")
    await evidence.append(
        [entry_for_record(topic="t", value=wire.value, headers=list(wire.headers), timestamp_ms=0)]
    )
    entries = await read_case(
        evidence, store, debtor_id=event.debtor_id, loan_id=None, reader="auditor-1", limit=10
    )
    assert entries[0]["content"]["kind"] == "message_sent"
    [read] = await store.leaves([1])
    leaf = decode_leaf(read.leaf_data)
    assert leaf.kind == "dunwell.audit.plaintext-read.v1"
    [opened] = await evidence.open([read])
    assert opened.plaintext is not None
    assert json.loads(opened.plaintext) == {
        "reader": "auditor-1",
        "purpose": "timeline",
        "leaf_indexes": [0],
    }


def test_the_public_answer_says_only_date_channel_institution_and_masked_account() -> None:
    row = CodeRow("ABCD2345", 3, datetime(2026, 3, 4, 9, 30, tzinfo=UTC), "sms", "****5678")
    assert public_answer(row, "澄河示范银行", "400-000-0000") == {
        "genuine": True,
        "sent_on": "2026-03-04",
        "channel": "sms",
        "institution": "澄河示范银行",
        "account_masked": "****5678",
        "hotline": "400-000-0000",
    }
    assert public_answer(None, "澄河示范银行", "400-000-0000") == {
        "genuine": False,
        "hotline": "400-000-0000",
    }
