"""The audit service's use case: append what a record says, once."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from services.audit.domain import entry_for_dead_letter, entry_for_event
from services.audit.ports import AuditStore
from shared.events import decode
from shared.topics import DLQ_SUFFIX

log = logging.getLogger(__name__)


async def record(
    store: AuditStore,
    *,
    topic: str,
    value: bytes | None,
    headers: Sequence[tuple[str, bytes]],
    timestamp_ms: int,
) -> int:
    """Append the entry for one Kafka record; a redelivered record changes nothing.

    Invalid records raise :class:`~shared.errors.InvalidEvent` (the loop dead-letters them).

    :returns: the entry's leaf index.
    """
    if topic.endswith(DLQ_SUFFIX):
        at = datetime.fromtimestamp(timestamp_ms / 1000, UTC)
        entry = entry_for_dead_letter(topic=topic, value=value, headers=headers, timestamp=at)
    else:
        event = decode(value, headers)
        entry = entry_for_event(event, topic=topic, raw=value or b"")
    index, created = await store.append(entry)
    if created:
        log.debug("appended", extra={"leaf_index": index, "kind": entry.kind})
    return index
