"""Reading decrypted content: every read is itself an entry of the log."""

from __future__ import annotations

import json

from services.audit.domain.entries import decode_leaf, entry_for_record
from services.audit.handlers.reads import read_case
from shared.events import encode
from tests.support.audit import interaction, memory_log


async def test_reading_a_case_is_itself_logged() -> None:
    evidence, store = await memory_log()
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
