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

from services.desk.adapters.memory import InMemoryDeskStore
from services.desk.adapters.review_memory import InMemoryReviewStore
from services.desk.adapters.sql.review import SqlReviewStore
from services.desk.adapters.sql.store import SqlDeskStore
from services.desk.ports import Clock, DeskStore, ReviewStore
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
    #: Where the consume loop sends dead letters.
    publisher: EventPublisher
    #: The consumer-group member the consume loop reads through.
    source: EventSource[Record]
    clock: Clock
    #: The identity provider's keys; None when only configured tokens sign people in.
    keys: KeySet | None = None


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
        yield Deps(
            store=store,
            reviews=SqlReviewStore(engine),
            publisher=publisher,
            source=AiokafkaSource(settings.kafka, group_id=settings.group_id, service=SERVICE),
            clock=desk_clock(settings),
            keys=await open_key_set(stack, settings),
        )


def memory_deps(**overrides: Any) -> Deps:
    """Every port in memory (real time), with ``overrides`` by field name."""
    deps = Deps(
        store=InMemoryDeskStore(),
        reviews=InMemoryReviewStore(),
        publisher=InMemoryEventPublisher(),
        source=InMemorySource(),
        clock=_utc_now,
    )
    return replace(deps, **overrides)
