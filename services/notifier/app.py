"""Composition root of the notifier: settings in, a wired aiohttp application out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

import aiohttp
from aiohttp import web
from aiokafka import ConsumerRecord

from services.notifier.adapters.channels.registry import build_callbacks, build_channels
from services.notifier.adapters.prometheus import PrometheusSendObserver
from services.notifier.adapters.smtp import SmtpMailer
from services.notifier.adapters.sql.store import SqlNotifierStore
from services.notifier.catchup import catch_up_directory
from services.notifier.domain.institution import check_institution
from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.policy.rules import HolidayRule
from services.notifier.domain.templates import TEMPLATES_FILE, Institution, TemplateRegistry
from services.notifier.entrypoints.callbacks import CALLBACKS, callback_routes
from services.notifier.entrypoints.contacts import CONTACTS, ContactsApi, contact_routes
from services.notifier.entrypoints.openapi import OPENAPI
from services.notifier.handlers.callbacks import CallbackContext
from services.notifier.handlers.context import SendContext
from services.notifier.handlers.deferrals import run_dispatcher
from services.notifier.handlers.directory import record_contact_details
from services.notifier.handlers.sending import send_contact_request
from services.notifier.handlers.withdrawals import withdraw_contacts
from services.notifier.settings import Settings
from shared.calendars.monitoring import watch_calendar
from shared.consumer import ConsumeLoop, ConsumerConfig
from shared.database import create_engine
from shared.errors import InvalidEvent
from shared.events import ContactDetailsChanged, ContactRequested, ContactWithdrawn, decode
from shared.health import Health, add_ops_routes
from shared.kafka import KafkaEventPublisher
from shared.kafka_source import AiokafkaSource
from shared.service import cancel_all, consumer_context, watch
from shared.web import retryable_as_503

SERVICE: Final = "notifier"
store_key: Final = web.AppKey("store", SqlNotifierStore)
publisher_key: Final = web.AppKey("publisher", KafkaEventPublisher)
context_key: Final = web.AppKey("context", SendContext)


def institution(settings: Settings) -> Institution:
    """The bank's texts in every locale; in production, never example values."""
    check_institution(
        settings.environment,
        settings.institution,
        sms_sign_name=settings.sms_sign_name,
        mail_from=settings.mail_from,
    )
    return settings.institution


async def openapi(_: web.Request) -> web.Response:
    return web.json_response(OPENAPI)


def clock(settings: Settings) -> Callable[[], datetime]:
    """The gate's clock: real time, or real time shifted to start at ``clock_start``."""
    if settings.clock_start is None:
        return lambda: datetime.now(UTC)
    offset = settings.clock_start - datetime.now(UTC)
    return lambda: datetime.now(UTC) + offset


def build_app(settings: Settings) -> web.Application:
    """The notifier: ops endpoints, the store, the gate, the channels and the consume loop."""
    institution(settings)  # refuses example institution settings in production, before anything
    app = web.Application(middlewares=[retryable_as_503])
    health = Health()
    add_ops_routes(app, health)
    # Packs and templates are loaded before anything starts: an invalid one stops the service.
    packs = [load_pack(p, settings.calendars_dir) for p in settings.policy_packs]
    for calendar in {r.bound.id: r.bound for p in packs for r in p.of_type(HolidayRule)}.values():
        watch_calendar(calendar, clock(settings))
    templates = TemplateRegistry.load(Path(settings.templates_file or TEMPLATES_FILE))

    async def resources(app: web.Application) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        store = SqlNotifierStore(engine)
        await store.migrate()
        publisher = KafkaEventPublisher(settings.kafka, service=SERVICE)
        await publisher.start()
        mailer = SmtpMailer(settings)
        session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=settings.provider_timeout_s, connect=3.0)
        )
        gate_clock = clock(settings)
        app[store_key], app[publisher_key] = store, publisher
        app[context_key] = SendContext(
            store=store,
            channels={"email": mailer, **build_channels(settings, session)},
            templates=templates,
            packs=packs,
            publisher=publisher,
            interactions_topic=settings.kafka.topics.interactions,
            institution=institution(settings),
            verification_secret=settings.verification_secret.get_secret_value().encode(),
            observer=PrometheusSendObserver(),
            clock=gate_clock,
            hold_recheck=timedelta(seconds=settings.hold_recheck_s),
            max_hold=timedelta(hours=settings.max_hold_h),
        )
        app[CALLBACKS] = CallbackContext(
            store=store,
            publisher=publisher,
            interactions_topic=settings.kafka.topics.interactions,
            replies_topic=settings.kafka.topics.replies,
            packs=packs,
            clock=gate_clock,
        )
        app[CONTACTS] = ContactsApi(store, settings.contacts_token.get_secret_value())
        health.readiness["database"] = store.ping
        yield
        await session.close()
        await mailer.aclose()
        await publisher.aclose()
        await engine.dispose()

    async def dispatcher(app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = watch(
            app,
            asyncio.create_task(run_dispatcher(app[context_key], stop, settings.deferral_poll_s)),
        )
        yield
        stop.set()
        await asyncio.wait({task}, timeout=settings.shutdown_grace_s)
        await cancel_all([task])  # one still running after the grace period is cancelled

    async def consume(app: web.Application) -> ConsumeLoop[ConsumerRecord[bytes, bytes]]:
        topics = settings.kafka.topics
        ctx = app[context_key]

        async def handle(record: ConsumerRecord[bytes, bytes]) -> None:
            event = decode(record.value, list(record.headers))
            if isinstance(event, ContactRequested) and record.topic == topics.contact_requests:
                await send_contact_request(event, ctx)
            elif isinstance(event, ContactWithdrawn) and record.topic == topics.contact_requests:
                await withdraw_contacts(event, ctx)
            elif (
                isinstance(event, ContactDetailsChanged) and record.topic == topics.customer_events
            ):
                await record_contact_details(event, store=ctx.store)
            else:
                raise InvalidEvent(f"unexpected event type {event.type} on this topic")

        config = ConsumerConfig(
            service=SERVICE,
            group_id=settings.group_id,
            topics=(topics.customer_events, topics.contact_requests),
            # Requests are keyed by debtor: partitions may go side by side, each in order.
            concurrent_partitions=True,
            key_concurrency=settings.send_concurrency,
        )
        await catch_up_directory(
            settings.kafka,
            settings.group_id,
            topics.customer_events,
            lambda details: record_contact_details(details, store=ctx.store),
            timeout_s=settings.directory_catch_up_s,
        )
        source = AiokafkaSource(settings.kafka, group_id=config.group_id, service=SERVICE)
        loop = ConsumeLoop(source, config, handle, app[publisher_key])
        await loop.start()
        return loop

    app.add_routes(callback_routes(build_callbacks(settings)))
    app.add_routes(contact_routes())
    app.router.add_get("/openapi.json", openapi)
    app.cleanup_ctx.append(resources)
    app.cleanup_ctx.append(dispatcher)
    app.cleanup_ctx.append(consumer_context(consume, health, settings.shutdown_grace_s))
    return app
