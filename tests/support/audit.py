"""Audit test data: entries, events and a log over the in-memory store."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.audit.adapters.clock import SystemClock
from services.audit.adapters.file_witness import FileWitness
from services.audit.adapters.memory import InMemoryAuditStore
from services.audit.domain.checkpoint import Signer
from services.audit.domain.entries import NewEntry, VerificationNotice
from services.audit.domain.keys import KeyHistory, PublishedKey
from services.audit.entrypoints.api import AuditApi, add_routes, api_key
from services.audit.entrypoints.auth import RateLimit
from services.audit.handlers.bundle import BundleExport
from services.audit.handlers.evidence import EvidenceLog
from services.audit.settings import Settings
from shared.events import InteractionRecorded
from shared.testing.factories import contact_request

ORIGIN = "bank.example/dunwell-audit"


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


async def audit_app(
    settings: Settings, witness_dir: Path, signer: Signer | None = None
) -> tuple[web.Application, AuditApi, Signer]:
    """The API's routes wired to a fresh in-memory log, its key and a file witness."""
    signer = signer or Signer(ORIGIN, Ed25519PrivateKey.generate())
    store = InMemoryAuditStore()
    evidence = EvidenceLog(store, b"m" * 32, SystemClock())
    await evidence.load()
    key = PublishedKey(
        name=signer.name,
        public_key=base64.b64encode(signer.key.public_key).decode(),
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
    )
    keys = KeyHistory((key,))
    witness = FileWitness(witness_dir / "witness")
    api = AuditApi(
        settings=settings,
        log=evidence,
        store=store,
        keys=keys,
        export=BundleExport(evidence, store, settings.origin, keys, witness, None),
        rate=RateLimit(settings.verify_rate_per_minute),
    )
    app = web.Application()
    app[api_key] = api
    add_routes(app)
    return app, api, signer
