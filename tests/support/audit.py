"""An audit API over the in-memory store, for component and browser tests."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.audit.adapters.memory import InMemoryAuditStore
from services.audit.api import AuditApi, add_routes, api_key
from services.audit.auth import RateLimit
from services.audit.checkpointer import Signer
from services.audit.domain import NewEntry, VerificationNotice
from services.audit.log import EvidenceLog
from services.audit.settings import PublishedKey, Settings
from services.audit.witness import FileWitness

ORIGIN = "bank.example/dunwell-audit"


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


async def audit_app(
    settings: Settings, witness_dir: Path, signer: Signer | None = None
) -> tuple[web.Application, AuditApi, Signer]:
    """The API's routes wired to a fresh in-memory log, its key and a file witness."""
    signer = signer or Signer(ORIGIN, Ed25519PrivateKey.generate())
    store = InMemoryAuditStore()
    evidence = EvidenceLog(store, b"m" * 32)
    await evidence.load()
    key = PublishedKey(
        name=signer.name,
        public_key=base64.b64encode(signer.key.public_key).decode(),
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
    )
    api = AuditApi(
        settings,
        evidence,
        store,
        (key,),
        (signer.key,),
        FileWitness(witness_dir / "witness"),
        None,
        RateLimit(settings.verify_rate_per_minute),
    )
    app = web.Application()
    app[api_key] = api
    add_routes(app)
    return app, api, signer
