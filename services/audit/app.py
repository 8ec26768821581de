"""Composition root of the audit service: settings in, a wired aiohttp application out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Final

from aiohttp import web
from aiokafka import ConsumerRecord

from services.audit.adapters.sql import SqlAuditStore
from services.audit.api import add_routes, store_key
from services.audit.handlers import record
from services.audit.settings import Settings
from shared.consumer import ConsumeLoop, ConsumerConfig
from shared.database import create_engine
from shared.health import Health, add_ops_routes
from shared.kafka import KafkaEventPublisher
from shared.service import consumer_context

SERVICE: Final = "audit"
publisher_key: Final = web.AppKey("publisher", KafkaEventPublisher)


def build_app(settings: Settings) -> web.Application:
    """The audit service: ops endpoints, the read API, the store and the consume loop."""
    app = web.Application()
    health = Health()
    add_ops_routes(app, health)
    add_routes(app)

    async def resources(app: web.Application) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        store = SqlAuditStore(engine)
        await store.create_schema()
        publisher = KafkaEventPublisher(settings.kafka, service=SERVICE)
        await publisher.start()
        app[store_key], app[publisher_key] = store, publisher
        health.readiness["database"] = store.ping
        yield
        await publisher.aclose()
        await engine.dispose()

    async def consume(app: web.Application) -> ConsumeLoop:
        store = app[store_key]

        async def handle(rec: ConsumerRecord[bytes, bytes]) -> None:
            await record(
                store,
                topic=rec.topic,
                value=rec.value,
                headers=list(rec.headers),
                timestamp_ms=rec.timestamp,
            )

        topics = settings.kafka.topics
        config = ConsumerConfig(
            service=SERVICE,
            group_id=settings.group_id,
            topics=(topics.interactions, *topics.dead_letters()),
        )
        loop = ConsumeLoop(settings.kafka, config, handle, app[publisher_key])
        await loop.start()
        return loop

    app.cleanup_ctx.append(resources)
    app.cleanup_ctx.append(consumer_context(consume, health, settings.shutdown_grace_s))
    return app
