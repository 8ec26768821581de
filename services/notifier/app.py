"""Composition root of the notifier: settings in, a wired aiohttp application out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Final

from aiohttp import web
from aiokafka import ConsumerRecord

from services.notifier.adapters.smtp import SmtpMailer
from services.notifier.adapters.sql import SqlNotifierStore
from services.notifier.domain import Institution
from services.notifier.handlers import SendContext, record_contact_details, send_contact_request
from services.notifier.settings import Settings
from shared.consumer import ConsumeLoop, ConsumerConfig
from shared.database import create_engine
from shared.errors import InvalidEvent
from shared.events import ContactDetailsChanged, ContactRequested, decode
from shared.health import Health, add_ops_routes
from shared.kafka import KafkaEventPublisher
from shared.service import consumer_context

SERVICE: Final = "notifier"
store_key: Final = web.AppKey("store", SqlNotifierStore)
publisher_key: Final = web.AppKey("publisher", KafkaEventPublisher)


def institution(settings: Settings) -> Institution:
    return Institution(
        name=settings.institution_name,
        payment_instructions=settings.payment_instructions,
        complaint_channel=settings.complaint_channel,
        privacy_notice_url=settings.privacy_notice_url,
        verification_url=settings.verification_url,
        official_hotline=settings.official_hotline,
    )


def build_app(settings: Settings) -> web.Application:
    """The notifier: ops endpoints, the store, the publisher and the consume loop."""
    app = web.Application()
    health = Health()
    add_ops_routes(app, health)

    async def resources(app: web.Application) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        store = SqlNotifierStore(engine)
        await store.create_schema()
        publisher = KafkaEventPublisher(settings.kafka, service=SERVICE)
        await publisher.start()
        app[store_key], app[publisher_key] = store, publisher
        health.readiness["database"] = store.ping
        yield
        await publisher.aclose()
        await engine.dispose()

    async def consume(app: web.Application) -> ConsumeLoop:
        topics = settings.kafka.topics
        ctx = SendContext(
            directory=app[store_key],
            ledger=app[store_key],
            mailer=SmtpMailer(settings),
            publisher=app[publisher_key],
            interactions_topic=topics.interactions,
            institution=institution(settings),
            verification_secret=settings.verification_secret.get_secret_value().encode(),
            mail_domain=settings.mail_from.rpartition("@")[2] or "localhost",
        )

        async def handle(record: ConsumerRecord[bytes, bytes]) -> None:
            event = decode(record.value, list(record.headers))
            if isinstance(event, ContactRequested) and record.topic == topics.contact_requests:
                await send_contact_request(event, ctx)
            elif (
                isinstance(event, ContactDetailsChanged) and record.topic == topics.customer_events
            ):
                await record_contact_details(event, directory=ctx.directory)
            else:
                raise InvalidEvent(f"unexpected event type {event.type} on this topic")

        config = ConsumerConfig(
            service=SERVICE,
            group_id=settings.group_id,
            topics=(topics.customer_events, topics.contact_requests),
        )
        loop = ConsumeLoop(settings.kafka, config, handle, app[publisher_key])
        await loop.start()
        return loop

    app.cleanup_ctx.append(resources)
    app.cleanup_ctx.append(consumer_context(consume, health, settings.shutdown_grace_s))
    return app
