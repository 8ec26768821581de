"""The notifier's composition root: every adapter built, owned and closed here, and only here.

:func:`build_deps` opens what production runs on (SQL store, Kafka publisher and source, SMTP,
the provider channels, the directory feed) and closes it in reverse order; :func:`memory_deps`
gives the same ports in memory, for tests and the in-process component suite.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Final

import aiohttp

from services.notifier.adapters.channels.registry import build_callbacks, build_channels
from services.notifier.adapters.directory_feed import KafkaDirectoryFeed
from services.notifier.adapters.dkim import DkimVerifier
from services.notifier.adapters.email_listener import SmtpListener
from services.notifier.adapters.memory.channel import InMemoryChannel
from services.notifier.adapters.memory.feed import InMemoryDirectoryFeed
from services.notifier.adapters.memory.observer import InMemorySendObserver
from services.notifier.adapters.memory.store import InMemoryNotifierStore
from services.notifier.adapters.prometheus import PrometheusSendObserver
from services.notifier.adapters.smtp import SmtpMailer
from services.notifier.adapters.sql.store import SqlNotifierStore
from services.notifier.ports import (
    CallbackPlug,
    ChannelClient,
    DirectoryFeed,
    DkimCheck,
    MailServer,
    NotifierStore,
    SendObserver,
)
from services.notifier.settings import Settings
from shared.database import create_engine
from shared.events import Channel
from shared.identity import KeySet
from shared.jwks import open_key_set
from shared.kafka import KafkaEventPublisher
from shared.kafka_source import AiokafkaSource
from shared.ports import EventPublisher, EventSource, Record
from shared.testing.memory import InMemoryEventPublisher
from shared.testing.source import InMemorySource

SERVICE: Final = "notifier"
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Deps:
    """What the notifier runs on, each by its port."""

    store: NotifierStore
    publisher: EventPublisher
    channels: Mapping[Channel, ChannelClient]
    callbacks: Mapping[str, CallbackPlug]
    source: EventSource[Record]
    directory: DirectoryFeed
    observer: SendObserver
    #: The gate's clock.
    clock: Clock
    #: Whether the database answers (readiness).
    database_ready: Callable[[], Awaitable[bool]]
    #: The identity provider's keys; None when only the configured token signs callers in.
    keys: KeySet | None = None
    #: The reply address's inbound SMTP listener (None: off), and DKIM when it is required.
    mail_server: MailServer | None = None
    dkim: DkimCheck | None = None


def gate_clock(settings: Settings) -> Clock:
    """The gate's clock: real time, or real time shifted to start at ``clock_start``."""
    if settings.clock_start is None:
        return _utc_now
    offset = settings.clock_start - datetime.now(UTC)
    return lambda: datetime.now(UTC) + offset


def callback_plugs(settings: Settings) -> Mapping[str, CallbackPlug]:
    """Every provider's callbacks (routes are known before anything starts)."""
    return build_callbacks(settings)


async def open_store(stack: AsyncExitStack, settings: Settings) -> SqlNotifierStore:
    """The SQL store, migrated to head; its engine closes with ``stack``. On PostgreSQL its
    pool holds a connection for every concurrent send, and a few for callbacks and calls."""
    engine = create_engine(settings.database_url, pool_size=settings.send_concurrency + 4)
    stack.push_async_callback(engine.dispose)
    store = SqlNotifierStore(engine)
    await store.migrate()
    return store


@asynccontextmanager
async def build_deps(settings: Settings) -> AsyncIterator[Deps]:
    """Production's adapters, open for the context's lifetime (closed in reverse order)."""
    async with AsyncExitStack() as stack:
        store = await open_store(stack, settings)
        publisher = KafkaEventPublisher(settings.kafka, service=SERVICE)
        await publisher.start()
        stack.push_async_callback(publisher.aclose)
        mailer = SmtpMailer(settings)
        stack.push_async_callback(mailer.aclose)
        session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=settings.provider_timeout_s, connect=3.0)
        )
        stack.push_async_callback(session.close)
        source = AiokafkaSource(settings.kafka, group_id=settings.group_id, service=SERVICE)
        stack.push_async_callback(source.stop)  # (the consume loop stops it first)
        yield Deps(
            store=store,
            publisher=publisher,
            channels={"email": mailer, **build_channels(settings, session)},
            callbacks=callback_plugs(settings),
            source=source,
            directory=KafkaDirectoryFeed(
                settings.kafka,
                settings.group_id,
                settings.kafka.topics.customer_events,
                timeout_s=settings.directory_catch_up_s,
            ),
            observer=PrometheusSendObserver(),
            clock=gate_clock(settings),
            database_ready=store.ping,
            keys=await open_key_set(stack, settings),
            mail_server=mail_server(settings),
            dkim=DkimVerifier() if settings.email.dkim_required else None,
        )


def mail_server(settings: Settings) -> MailServer | None:
    """The inbound SMTP listener, when a port is set."""
    email = settings.email
    if email.inbound_port is None:
        return None
    return SmtpListener(
        email.inbound_host,
        email.inbound_port,
        max_bytes=email.max_message_bytes,
        hostname=settings.reply_address.rpartition("@")[2] or "localhost",
    )


@asynccontextmanager
async def operator_store() -> AsyncIterator[NotifierStore]:
    """The notifier's database for one operator command (settings from the environment)."""
    engine = create_engine(Settings().database_url)
    try:
        yield SqlNotifierStore(engine)
    finally:
        await engine.dispose()


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def _always_ready() -> bool:
    return True


def memory_deps(**overrides: Any) -> Deps:
    """Every port in memory: an email channel, no provider callbacks, an empty directory
    feed, real time; ``overrides`` replace any of them (``clock=...``, ``channels=...``)."""
    deps = Deps(
        store=InMemoryNotifierStore(),
        publisher=InMemoryEventPublisher(),
        channels={"email": InMemoryChannel("smtp")},
        callbacks={},
        source=InMemorySource(),
        directory=InMemoryDirectoryFeed(),
        observer=InMemorySendObserver(),
        clock=_utc_now,
        database_ready=_always_ready,
    )
    return replace(deps, **overrides)
