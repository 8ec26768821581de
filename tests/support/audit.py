"""Audit test data: entries, events and a log over the in-memory store."""

from __future__ import annotations

from datetime import UTC, datetime

from services.audit.adapters.clock import SystemClock
from services.audit.adapters.memory import InMemoryAuditStore
from services.audit.domain.entries import NewEntry, VerificationNotice
from services.audit.domain.rows import CodeStatus
from services.audit.handlers.evidence import EvidenceLog
from shared.events import InteractionRecorded
from shared.testing.factories import contact_request


def new_entry(event_id: str, debtor_id: str | None, loan_id: str | None = None) -> NewEntry:
    """An entry of a debtor (and loan) with a small JSON payload."""
    return NewEntry(
        event_id,
        "dunwell.interaction.recorded.v1",
        "dunwell.interactions.v1",
        debtor_id,
        loan_id,
        datetime(2026, 3, 4, 9, 0, tzinfo=UTC),
        b'{"kind": "message_sent"}',
    )


def sent_message(code: str = "ABCD2345") -> NewEntry:
    """The log entry of an SMS sent on 4 March 2026 with verification code ``code``."""
    return NewEntry(
        "e1",
        "dunwell.interaction.recorded.v1",
        "t",
        "d1",
        "l1",
        datetime(2026, 3, 4, 9, 0, tzinfo=UTC),
        b"{}",
        VerificationNotice(code, "sms", "****5678"),
    )


def code_entry(event_id: str, code: str, status: CodeStatus, day: int = 4) -> NewEntry:
    """The log entry registering SMS code ``code`` as ``status`` on ``day`` March 2026."""
    return NewEntry(
        event_id,
        "dunwell.interaction.recorded.v1",
        "t",
        "d1",
        "l1",
        datetime(2026, 3, day, 9, 0, tzinfo=UTC),
        b"{}",
        VerificationNotice(code, "sms", "****5678", status),
    )


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


async def memory_log() -> tuple[EvidenceLog, InMemoryAuditStore]:
    store = InMemoryAuditStore()
    evidence = EvidenceLog(store, b"k" * 32, SystemClock())
    await evidence.load()
    return evidence, store
