"""Dead-letter records: the original bytes, untouched, plus why and where they came from.

Pure (no Kafka client, no metrics): the audit's domain and its offline verifier read these
headers. Sending a record to ``<topic>.dlq`` is :func:`shared.boundary.dead_letter`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Final

from shared.errors import PermanentError
from shared.events import KafkaRecord
from shared.redaction import redact_text

REASON: Final = "dunwell-dlq-reason"
REASON_CODE: Final = "dunwell-dlq-reason-code"
SOURCE_TOPIC: Final = "dunwell-dlq-source-topic"
SOURCE_PARTITION: Final = "dunwell-dlq-source-partition"
SOURCE_OFFSET: Final = "dunwell-dlq-source-offset"
SERVICE: Final = "dunwell-dlq-service"
AT: Final = "dunwell-dlq-at"
_OURS: Final = frozenset(
    {REASON, REASON_CODE, SOURCE_TOPIC, SOURCE_PARTITION, SOURCE_OFFSET, SERVICE, AT}
)


def dead_letter_record(
    *,
    key: bytes | None,
    value: bytes | None,
    headers: Sequence[tuple[str, bytes]],
    source: tuple[str, int, int],
    error: PermanentError,
    service: str,
    now: datetime | None = None,
) -> KafkaRecord:
    """Build the record for ``<topic>.dlq``: same key, value and headers, plus reason headers.

    :param key: the original key.
    :param value: the original value (kept byte for byte as evidence).
    :param headers: the original headers.
    :param source: topic, partition and offset of the original record.
    :param error: why it cannot be processed.
    :param service: the service that gave up on it.
    :param now: when (defaults to the current UTC time).
    """
    topic, partition, offset = source
    at = (now or datetime.now(UTC)).isoformat()
    kept = tuple((name, raw) for name, raw in headers if name not in _OURS)
    ours = (
        (REASON, redact_text(str(error))[:500].encode()),
        (REASON_CODE, error.reason_code.encode()),
        (SOURCE_TOPIC, topic.encode()),
        (SOURCE_PARTITION, str(partition).encode()),
        (SOURCE_OFFSET, str(offset).encode()),
        (SERVICE, service.encode()),
        (AT, at.encode()),
    )
    return KafkaRecord(key=key, value=value or b"", headers=kept + ours)


def header(headers: Sequence[tuple[str, bytes]], name: str) -> str | None:
    """The first value of a header as text, or None.

    :param headers: a record's headers.
    :param name: the header name.
    """
    for key, raw in headers:
        if key == name:
            return raw.decode("utf-8", errors="replace")
    return None
