"""The desk's composition root: which adapter serves each port, and their lifecycles.

The only module that names concrete adapters. :func:`build_deps` opens the database (migrated),
the Kafka producer (dead letters), the consumer-group member and the identity provider's keys;
:func:`memory_deps` gives tests the same ports in memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Final

import aiohttp

from services.desk.adapters.audit_evidence import HttpEvidenceLog
from services.desk.adapters.call_gate import HttpCallGate
from services.desk.adapters.memory import InMemoryDeskStore
from services.desk.adapters.oidc import HttpCodeExchange
from services.desk.adapters.review_memory import InMemoryReviewStore
from services.desk.adapters.sql.review import SqlReviewStore
from services.desk.adapters.sql.store import SqlDeskStore
from services.desk.adapters.sql.visits import SqlVisitStore
from services.desk.adapters.visit_memory import InMemoryVisitStore
from services.desk.ports import (
    CallGate,
    Clock,
    CodeExchange,
    DeskStore,
    EvidenceLog,
    ReviewStore,
    VisitStore,
)
from services.desk.settings import Settings
from shared.database import create_engine
from shared.identity import KeySet
from shared.jwks import open_key_set
from shared.kafka import KafkaEventPublisher
from shared.kafka_source import AiokafkaSource
from shared.ports import EventPublisher, EventSource, Record
from shared.testing.memory import InMemoryEventPublisher
from shared.testing.source import InMemorySource

SERVICE: Final = "desk"


@dataclass(frozen=True, kw_only=True)
class Deps:
    """The desk's ports, each served by one adapter."""

    store: DeskStore
    #: The review queues (the same database as ``store``).
    reviews: ReviewStore
    #: Field visits (the same database as ``store``).
    visits: VisitStore
    #: Where the consume loop sends dead letters.
    publisher: EventPublisher
    #: The consumer-group member the consume loop reads through.
    source: EventSource[Record]
    clock: Clock
    #: The identity provider's keys; None when only configured tokens sign people in.
    keys: KeySet | None = None
    #: The provider's token endpoint, for the console's sign-in; None: no console sign-in.
    code_exchange: CodeExchange | None = None
    #: The notifier's pre-call gate; None: the console records no calls.
    call_gate: CallGate | None = None
    #: The audit service's evidence log; None: case evidence is not shown.
    evidence: EvidenceLog | None = None


def _utc_now() -> datetime:
    return datetime.now(UTC)


def desk_clock(settings: Settings) -> Clock:
    """Real time, or real time shifted to start at ``clock_start`` (sandbox and tests)."""
    if settings.clock_start is None:
        return _utc_now
    offset = settings.clock_start - datetime.now(UTC)
    return lambda: datetime.now(UTC) + offset


@asynccontextmanager
async def build_deps(settings: Settings) -> AsyncIterator[Deps]:
    """Production's adapters, open for the context's lifetime (closed in reverse order)."""
    async with AsyncExitStack() as stack:
        engine = create_engine(settings.database_url)
        store = SqlDeskStore(engine)
        stack.push_async_callback(store.close)
        await store.migrate()
        publisher = KafkaEventPublisher(settings.kafka, service=SERVICE)
        await publisher.start()
        stack.push_async_callback(publisher.aclose)
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5.0))
        stack.push_async_callback(session.close)
        yield Deps(
            store=store,
            reviews=SqlReviewStore(engine),
            visits=SqlVisitStore(engine),
            publisher=publisher,
            source=AiokafkaSource(settings.kafka, group_id=settings.group_id, service=SERVICE),
            clock=desk_clock(settings),
            keys=await open_key_set(stack, settings),
            code_exchange=_code_exchange(session, settings),
            call_gate=_call_gate(session, settings),
            evidence=HttpEvidenceLog(settings.audit_url, session),
        )


def _code_exchange(session: aiohttp.ClientSession, settings: Settings) -> CodeExchange | None:
    """The provider's token endpoint, when the console's sign-in is configured."""
    if not settings.oidc_token_url:
        return None
    secret = settings.oidc_client_secret
    return HttpCodeExchange(
        settings.oidc_token_url,
        settings.oidc_client_id,
        secret.get_secret_value() if secret else None,
        session,
    )


def _call_gate(session: aiohttp.ClientSession, settings: Settings) -> CallGate | None:
    """The notifier's pre-call gate, when one is configured."""
    if not settings.notifier_url or not settings.notifier_token:
        return None
    return HttpCallGate(settings.notifier_url, settings.notifier_token.get_secret_value(), session)


def memory_deps(**overrides: Any) -> Deps:
    """Every port in memory (real time), with ``overrides`` by field name."""
    deps = Deps(
        store=InMemoryDeskStore(),
        reviews=InMemoryReviewStore(),
        visits=InMemoryVisitStore(),
        publisher=InMemoryEventPublisher(),
        source=InMemorySource(),
        clock=_utc_now,
    )
    return replace(deps, **overrides)
