"""The audit's composition root: which adapter serves each port, and their lifecycles.

The only module that names concrete adapters. :func:`build_deps` owns what it opens (the
database, the producer, the consumer and the TSA client); :func:`memory_deps` gives tests the
same ports in memory.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.audit.adapters.clock import SystemClock
from services.audit.adapters.file_witness import FileWitness
from services.audit.adapters.memory import InMemoryAuditStore, InMemoryWitness, SettableClock
from services.audit.adapters.sql import SqlAuditStore
from services.audit.adapters.tsa import HttpTimestamper
from services.audit.domain.checkpoint import Signer
from services.audit.domain.keys import PublishedKey, published_key
from services.audit.ports import AuditStore, Clock, Timestamper, Witness
from services.audit.settings import Settings
from shared.database import create_engine
from shared.identity import KeySet
from shared.jwks import key_set_at, open_key_set
from shared.kafka import KafkaEventPublisher
from shared.kafka_source import AiokafkaSource
from shared.ports import EventPublisher, EventSource, Record
from shared.testing.memory import InMemoryEventPublisher
from shared.testing.source import InMemorySource

SERVICE: Final = "audit"


@dataclass(frozen=True, kw_only=True)
class Deps:
    """The audit's ports, each served by one adapter."""

    store: AuditStore
    #: Where the consume loop sends dead letters.
    publisher: EventPublisher
    #: The consumer-group member the consume loop reads through.
    source: EventSource[Record]
    witness: Witness
    #: None when no time-stamping authority is configured.
    timestamper: Timestamper | None
    clock: Clock
    #: The TSA's root certificates (PEM), bundled with exports for offline verification.
    tsa_roots_pem: str | None = None
    #: The identity provider's keys; None when only configured tokens sign callers in.
    keys: KeySet | None = None
    #: The desk's keys, for its case grants; None: no grants taken.
    grant_keys: KeySet | None = None


def signer_for(settings: Settings) -> Signer:
    return Signer(settings.origin, Ed25519PrivateKey.from_private_bytes(settings.signing_seed()))


def published_keys(settings: Settings, signer: Signer) -> tuple[PublishedKey, ...]:
    """The key history plus the current key: what a verifier needs for every checkpoint."""
    return (*settings.key_history, published_key(signer, settings.signing_key_valid_from))


def timestamper_for(settings: Settings) -> Timestamper | None:
    if not settings.tsa_url:
        return None
    return HttpTimestamper(
        settings.tsa_url, Path(settings.tsa_ca_file) if settings.tsa_ca_file else None
    )


@asynccontextmanager
async def build_deps(settings: Settings) -> AsyncIterator[Deps]:
    """The production adapters: migrated database, started producer; closed on exit. The
    consume loop starts and stops the source."""
    async with AsyncExitStack() as stack:
        store = SqlAuditStore(create_engine(settings.database_url))
        stack.push_async_callback(store.close)
        await store.migrate()
        publisher = KafkaEventPublisher(settings.kafka, service=SERVICE)
        await publisher.start()
        stack.push_async_callback(publisher.aclose)
        yield Deps(
            store=store,
            publisher=publisher,
            source=AiokafkaSource(settings.kafka, group_id=settings.group_id, service=SERVICE),
            witness=FileWitness(Path(settings.witness_path)),
            timestamper=await asyncio.to_thread(timestamper_for, settings),
            clock=SystemClock(),
            tsa_roots_pem=await asyncio.to_thread(_read_text, settings.tsa_ca_file),
            keys=await open_key_set(stack, settings),
            grant_keys=await key_set_at(stack, settings.desk_jwks_url),
        )


def memory_deps(**overrides: Any) -> Deps:
    """Every port in memory (a settable clock), with ``overrides`` by field name."""
    deps = Deps(
        store=InMemoryAuditStore(),
        publisher=InMemoryEventPublisher(),
        source=InMemorySource(),
        witness=InMemoryWitness(),
        timestamper=None,
        clock=SettableClock(),
    )
    return dataclasses.replace(deps, **overrides)


def _read_text(path: str | None) -> str | None:
    return Path(path).read_text() if path else None
