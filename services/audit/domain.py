"""Pure audit rules: what one log entry holds, built from an event or a dead-lettered record."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from shared import deadletter
from shared.events import AnyEvent, derived_event_id

DEAD_LETTER_KIND = "dunwell.dead-letter.v1"


@dataclass(frozen=True)
class NewEntry:
    """One leaf of the evidence log, before it is stored."""

    event_id: str
    kind: str
    topic: str
    debtor_id: str | None
    loan_id: str | None
    occurred_at: datetime
    payload: bytes


@dataclass(frozen=True)
class StoredEntry:
    """A stored leaf: its dense index and when the log took it."""

    index: int
    recorded_at: datetime
    entry: NewEntry


def entry_for_event(event: AnyEvent, *, topic: str, raw: bytes) -> NewEntry:
    """The log entry of a Dunwell event, keeping its bytes exactly as published.

    :param event: the decoded event.
    :param topic: where it was read.
    :param raw: the record value.
    """
    return NewEntry(
        event_id=event.event_id,
        kind=event.type,
        topic=topic,
        debtor_id=getattr(event, "debtor_id", None),
        loan_id=getattr(event, "loan_id", None),
        occurred_at=event.occurred_at,
        payload=raw,
    )


def entry_for_dead_letter(
    *, topic: str, value: bytes | None, headers: Sequence[tuple[str, bytes]], timestamp: datetime
) -> NewEntry:
    """The log entry of a dead-lettered record: why, where from, and the hash of its bytes.

    The bytes themselves stay in the dead-letter topic: they may hold personal data the log
    could not classify.

    :param topic: the dead-letter topic.
    :param value: the record value as it failed.
    :param headers: its headers, including the dead-letter reason headers.
    :param timestamp: the dead-letter record's timestamp.
    """
    body = value or b""
    source = deadletter.header(headers, deadletter.SOURCE_TOPIC) or "unknown"
    partition = deadletter.header(headers, deadletter.SOURCE_PARTITION) or "?"
    offset = deadletter.header(headers, deadletter.SOURCE_OFFSET) or "?"
    payload = {
        "reason": deadletter.header(headers, deadletter.REASON),
        "reason_code": deadletter.header(headers, deadletter.REASON_CODE),
        "service": deadletter.header(headers, deadletter.SERVICE),
        "source": {"topic": source, "partition": partition, "offset": offset},
        "value_sha256": hashlib.sha256(body).hexdigest(),
        "value_bytes": len(body),
    }
    return NewEntry(
        event_id=derived_event_id("dead-letter", source, partition, offset),
        kind=DEAD_LETTER_KIND,
        topic=topic,
        debtor_id=None,
        loan_id=None,
        occurred_at=timestamp,
        payload=json.dumps(payload, sort_keys=True).encode(),
    )
