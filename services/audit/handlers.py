"""The audit service's use cases: ingest records in batches, read a case, answer a code."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services.audit.domain import (
    NewEntry,
    entry_for_dead_letter,
    entry_for_event,
    entry_for_plaintext_read,
)
from services.audit.log import EvidenceLog, Opened
from services.audit.metrics import APPEND_BATCH_SECONDS, APPENDS, PLAINTEXT_READS
from services.audit.ports import AuditStore, CodeRow
from shared.events import decode, derived_event_id
from shared.topics import DLQ_SUFFIX


def entry_for_record(
    *, topic: str, value: bytes | None, headers: Sequence[tuple[str, bytes]], timestamp_ms: int
) -> NewEntry:
    """The entry for one Kafka record; :class:`~shared.errors.InvalidEvent` for a bad one."""
    if topic.endswith(DLQ_SUFFIX):
        at = datetime.fromtimestamp(timestamp_ms / 1000, UTC)
        return entry_for_dead_letter(topic=topic, value=value, headers=headers, timestamp=at)
    event = decode(value, headers)
    return entry_for_event(event, topic=topic, raw=value or b"")


@dataclass
class IngestBuffer:
    """Group commit: records are staged, then appended in one transaction before the commit."""

    log: EvidenceLog
    staged: list[NewEntry] = field(default_factory=list)

    def stage(self, entry: NewEntry) -> None:
        self.staged.append(entry)

    async def flush(self) -> None:
        if not self.staged:
            return
        # On failure the staged entries are dropped: the consume loop redelivers their records.
        batch, self.staged = self.staged, []
        before = self.log.size
        started = time.monotonic()
        await self.log.append(batch)
        APPEND_BATCH_SECONDS.observe(time.monotonic() - started)
        APPENDS.labels("kafka").inc(self.log.size - before)


def entry_json(opened: Opened) -> dict[str, Any]:
    """An entry as the auditor API shows it (plaintext decoded when it is JSON)."""
    content: Any = None
    if opened.plaintext is not None:
        try:
            content = json.loads(opened.plaintext)
        except ValueError:
            content = {"base64": base64.b64encode(opened.plaintext).decode()}
    leaf, row = opened.leaf, opened.row
    return {
        "index": row.index,
        "event_id": row.event_id,
        "kind": row.kind,
        "topic": leaf.topic if leaf else None,
        "debtor_id": row.debtor_id,
        "loan_id": row.loan_id,
        "occurred_at": leaf.occurred_at if leaf else None,
        "recorded_at": leaf.recorded_at if leaf else None,
        "tampered": opened.tampered,
        "erased": opened.plaintext is None and not opened.tampered,
        "content": content,
    }


async def log_plaintext_read(
    log_: EvidenceLog, *, reader: str, purpose: str, indexes: Sequence[int]
) -> None:
    """Every read of decrypted content becomes an entry of the log itself."""
    if not indexes:
        return
    now = datetime.now(UTC)
    read_id = derived_event_id(
        "read", reader, purpose, now.isoformat(), str(indexes[0]), str(len(indexes))
    )
    await log_.append(
        [
            entry_for_plaintext_read(
                reader=reader, purpose=purpose, indexes=indexes, at=now, read_id=read_id
            )
        ]
    )
    PLAINTEXT_READS.labels(purpose).inc()


async def read_case(
    log_: EvidenceLog,
    store: AuditStore,
    *,
    debtor_id: str | None,
    loan_id: str | None,
    reader: str,
    limit: int,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """A case's timeline (or every entry of one kind), decrypted for an auditor, the read itself
    logged."""
    rows = await store.case_leaves(debtor_id=debtor_id, loan_id=loan_id, limit=limit, kind=kind)
    opened = await log_.open(rows)
    await log_plaintext_read(
        log_,
        reader=reader,
        purpose="timeline",
        indexes=[o.row.index for o in opened if o.plaintext is not None],
    )
    return [entry_json(o) for o in opened]


def public_answer(row: CodeRow | None, institution: str, hotline: str) -> dict[str, Any]:
    """What the verification page may reveal: date, channel, institution, masked account; and
    always the bank's official hotline, so that a borrower with an unknown code can call it."""
    if row is None:
        return {"genuine": False, "hotline": hotline}
    return {
        "genuine": True,
        "sent_on": row.sent_at.date().isoformat(),
        "channel": row.channel,
        "institution": institution,
        "account_masked": row.account_masked,
        "hotline": hotline,
    }
