"""The audit's Kafka consumer: which topics it reads and how one record is taken in."""

from __future__ import annotations

from services.audit.domain.entries import entry_for_record
from services.audit.handlers.ingest import IngestBuffer
from shared.ports import Record
from shared.topics import Topics


def audited_topics(topics: Topics) -> tuple[str, ...]:
    """Every Dunwell topic the log keeps (each decision, contact and reply, and every person's
    command: an agent's action, a call's disposition, a review decision, each with its
    person's id), and every dead-letter topic. Not core banking's own input, nor the
    scheduler's internal commands (both are kept at their source)."""
    return (
        topics.contact_requests,
        topics.delinquency,
        topics.tasks,
        topics.interactions,
        topics.replies,
        topics.case_actions,
        topics.review_decisions,
        *topics.dead_letters(),
    )


async def dispatch(record: Record, buffer: IngestBuffer) -> None:
    """Stage one record's entry; the loop's flush appends the batch before it commits.

    :raises shared.errors.InvalidEvent: a record that is no Dunwell event (dead-lettered).
    """
    buffer.stage(
        entry_for_record(
            topic=record.topic,
            value=record.value,
            headers=list(record.headers),
            timestamp_ms=record.timestamp,
        )
    )
