"""Composition root of the audit service: settings in, a wired aiohttp application out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from aiohttp import web
from aiokafka import ConsumerRecord
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.audit.adapters.clock import SystemClock
from services.audit.adapters.file_witness import FileWitness
from services.audit.adapters.sql import SqlAuditStore
from services.audit.adapters.tsa import HttpTimestamper
from services.audit.domain.checkpoint import Signer, VerifierKey
from services.audit.domain.keys import KeyHistory, PublishedKey, published_key
from services.audit.entrypoints.api import AuditApi, add_routes, api_key
from services.audit.entrypoints.auth import RateLimit
from services.audit.entrypoints.consumer import audited_topics, dispatch
from services.audit.handlers.bundle import BundleExport
from services.audit.handlers.checkpointer import Checkpointer
from services.audit.handlers.evidence import EvidenceLog
from services.audit.handlers.ingest import IngestBuffer
from services.audit.handlers.selfcheck import scheduled_self_check
from services.audit.ports import Timestamper
from services.audit.settings import Settings
from shared.consumer import ConsumeLoop, ConsumerConfig
from shared.database import create_engine
from shared.errors import RetryableError
from shared.health import Health, add_ops_routes
from shared.kafka import KafkaEventPublisher
from shared.kafka_source import AiokafkaSource
from shared.service import cancel_all, consumer_context, watch
from shared.web import retryable_as_503

SERVICE: Final = "audit"
log = logging.getLogger(__name__)
publisher_key: Final = web.AppKey("publisher", KafkaEventPublisher)
buffer_key: Final = web.AppKey("ingest_buffer", IngestBuffer)


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


def build_app(settings: Settings) -> web.Application:
    """The audit service: ops endpoints, the API, the log, checkpoints, self-check, ingestion."""
    app = web.Application(client_max_size=1024**2, middlewares=[retryable_as_503])
    health = Health()
    add_ops_routes(app, health)
    add_routes(app)
    signer = signer_for(settings)
    keys = KeyHistory(published_keys(settings, signer))
    witness = FileWitness(Path(settings.witness_path))

    async def resources(app: web.Application) -> AsyncIterator[None]:
        if settings.uses_development_secrets():
            log.warning("audit runs with development keys: set MASTER_KEY and SIGNING_KEY")
        engine = create_engine(settings.database_url)
        store = SqlAuditStore(engine)
        await store.migrate()
        evidence = EvidenceLog(store, settings.master_key_bytes(), SystemClock())
        await evidence.load()
        roots = await asyncio.to_thread(_read_text, settings.tsa_ca_file)
        app[api_key] = AuditApi(
            settings=settings,
            log=evidence,
            store=store,
            keys=keys,
            export=BundleExport(evidence, store, settings.origin, keys, witness, roots),
            rate=RateLimit(settings.verify_rate_per_minute),
        )
        app[buffer_key] = IngestBuffer(evidence)
        publisher = KafkaEventPublisher(settings.kafka, service=SERVICE)
        await publisher.start()
        app[publisher_key] = publisher
        health.readiness["database"] = store.ping
        checkpointer = Checkpointer(
            evidence,
            store,
            signer,
            settings.origin,
            witness,
            keys.trusted,
            timestamper_for(settings),
        )
        tasks = [
            watch(app, asyncio.create_task(task))
            for task in (
                checkpointer.run(settings.checkpoint_interval_s, settings.checkpoint_every),
                _self_checks(store, keys.trusted, witness, settings.self_check_interval_s),
                _retention(evidence, timedelta(days=settings.retention_days)),
            )
        ]
        yield
        await cancel_all(tasks)
        with suppress(Exception):
            await checkpointer.checkpoint()  # cover what was appended since the last one
        await publisher.aclose()
        await engine.dispose()

    async def consume(app: web.Application) -> ConsumeLoop[ConsumerRecord[bytes, bytes]]:
        buffer = app[buffer_key]

        async def stage(rec: ConsumerRecord[bytes, bytes]) -> None:
            await dispatch(rec, buffer)

        config = ConsumerConfig(
            service=SERVICE,
            group_id=settings.group_id,
            max_batch=settings.batch_max,
            topics=audited_topics(settings.kafka.topics),
        )
        source = AiokafkaSource(settings.kafka, group_id=config.group_id, service=SERVICE)
        loop = ConsumeLoop(source, config, stage, app[publisher_key], flush=buffer.flush)
        await loop.start()
        return loop

    app.cleanup_ctx.append(resources)
    app.cleanup_ctx.append(consumer_context(consume, health, settings.shutdown_grace_s))
    return app


def _read_text(path: str | None) -> str | None:
    return Path(path).read_text() if path else None


async def _retention(evidence: EvidenceLog, retention: timedelta) -> None:
    """Once a day: erase the content of debtors quiet for the whole retention period."""
    while True:
        try:
            erased = await evidence.erase_expired(datetime.now(UTC), retention)
        except RetryableError as e:
            log.warning("retention deferred", extra={"error": str(e)})
            await asyncio.sleep(60)
            continue
        if erased:
            log.info("retention erased debtors' content", extra={"debtors": len(erased)})
        await asyncio.sleep(24 * 3600)


async def _self_checks(
    store: SqlAuditStore, trusted: tuple[VerifierKey, ...], witness: FileWitness, interval_s: float
) -> None:
    while True:
        await asyncio.sleep(interval_s)
        await scheduled_self_check(store, trusted, witness)
