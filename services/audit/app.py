"""The audit's application: settings (and ports) in, a wired aiohttp application out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from datetime import timedelta
from functools import partial
from typing import Final, NamedTuple

from aiohttp import web

from services.audit.bootstrap import SERVICE, Deps, build_deps, published_keys, signer_for
from services.audit.domain.keys import KeyHistory
from services.audit.entrypoints.api import AuditApi, add_routes, api_key
from services.audit.entrypoints.auth import RateLimit, SignIn
from services.audit.entrypoints.consumer import audited_topics, dispatch
from services.audit.handlers.bundle import BundleExport
from services.audit.handlers.checkpointer import Checkpointer
from services.audit.handlers.evidence import EvidenceLog
from services.audit.handlers.ingest import IngestBuffer
from services.audit.handlers.retention import erase_expired_content
from services.audit.handlers.selfcheck import scheduled_self_check
from services.audit.settings import Settings
from shared.consumer import ConsumeLoop, ConsumerConfig
from shared.health import Health, add_ops_routes
from shared.ports import Record
from shared.service import Step, consumer_context, periodic, watch
from shared.web import retryable_as_503

log = logging.getLogger(__name__)
deps_key: Final = web.AppKey("deps", Deps)
checkpointer_key: Final = web.AppKey("checkpointer", Checkpointer)
buffer_key: Final = web.AppKey("ingest_buffer", IngestBuffer)
DAY_S: Final = 24 * 3600.0


class Job(NamedTuple):
    name: str
    interval_s: float
    step: Step
    first_after_s: float = 0.0
    retry_s: float | None = None


def build_app(settings: Settings, deps: Deps | None = None) -> web.Application:
    """The audit service: ops endpoints, the API, the log, checkpoints, self-check, ingestion.

    :param deps: the ports to use, owned by the caller; by default :func:`build_deps`'s.
    """
    app = web.Application(client_max_size=1024**2, middlewares=[retryable_as_503])
    health = Health()
    add_ops_routes(app, health)
    add_routes(app)
    app.cleanup_ctx.append(partial(_resources, settings, deps, health))
    consume = partial(_consume, settings)
    app.cleanup_ctx.append(consumer_context(consume, health, settings.shutdown_grace_s))
    return app


async def _resources(
    settings: Settings, given: Deps | None, health: Health, app: web.Application
) -> AsyncIterator[None]:
    """The ports, the log, its use cases and its periodic jobs for the application's lifetime."""
    if settings.uses_development_secrets():
        log.warning("audit runs with development keys: set MASTER_KEY and SIGNING_KEY")
    async with AsyncExitStack() as stack:
        deps = given if given is not None else await stack.enter_async_context(build_deps(settings))
        evidence = EvidenceLog(
            deps.store, settings.master_key_bytes(), deps.clock, part=settings.append_part
        )
        await evidence.load()
        checkpointer = _wire(app, settings, deps, evidence)
        health.readiness["database"] = deps.store.ping
        async with _running(app, settings, _jobs(settings, app, evidence)):
            yield
        with suppress(Exception):
            await checkpointer.checkpoint()  # cover what was appended since the last one


def _wire(
    app: web.Application, settings: Settings, deps: Deps, evidence: EvidenceLog
) -> Checkpointer:
    """The use cases over the log, under the application's keys."""
    signer = signer_for(settings)
    keys = KeyHistory(published_keys(settings, signer))
    export = BundleExport(
        evidence, deps.store, settings.origin, keys, deps.witness, deps.tsa_roots_pem
    )
    app[api_key] = AuditApi(
        settings=settings,
        log=evidence,
        store=deps.store,
        keys=keys,
        export=export,
        rate=RateLimit(settings.verify_rate_per_minute),
        sign_in=SignIn(
            dict(settings.api_tokens), deps.keys, settings.token_rules(), deps.grant_keys
        ),
    )
    app[checkpointer_key] = Checkpointer(
        evidence, deps.store, signer, settings.origin, deps.witness, keys.trusted, deps.timestamper
    )
    app[deps_key], app[buffer_key] = deps, IngestBuffer(evidence)
    return app[checkpointer_key]


def _jobs(settings: Settings, app: web.Application, evidence: EvidenceLog) -> list[Job]:
    """Checkpoints (a tick every 0.1 s at most), the self-check, and retention once a day."""
    deps, tick = app[deps_key], min(0.1, settings.checkpoint_interval_s)
    interval, every = settings.checkpoint_interval_s, settings.checkpoint_every
    trusted = app[api_key].keys.trusted
    retention = timedelta(days=settings.retention_days)
    return [
        Job("checkpoint", tick, partial(app[checkpointer_key].tick, interval, every), tick),
        Job(
            "self-check",
            settings.self_check_interval_s,
            partial(scheduled_self_check, deps.store, trusted, deps.witness),
            first_after_s=settings.self_check_interval_s,
        ),
        Job("retention", DAY_S, partial(erase_expired_content, evidence, retention), retry_s=60),
    ]


@asynccontextmanager
async def _running(
    app: web.Application, settings: Settings, jobs: Sequence[Job]
) -> AsyncIterator[None]:
    """Run the jobs until the context ends; a running step gets the shutdown grace to finish."""
    stop = asyncio.Event()
    tasks = [
        watch(
            app,
            asyncio.create_task(
                periodic(
                    job.name,
                    job.interval_s,
                    job.step,
                    stop,
                    settings.shutdown_grace_s,
                    retry_s=job.retry_s,
                    first_after_s=job.first_after_s,
                ),
                name=job.name,
            ),
        )
        for job in jobs
    ]
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _consume(settings: Settings, app: web.Application) -> ConsumeLoop[Record]:
    """The consume loop: every audited topic, staged per record, appended once per poll."""
    deps, buffer = app[deps_key], app[buffer_key]
    config = ConsumerConfig(
        service=SERVICE,
        group_id=settings.group_id,
        max_batch=settings.batch_max,
        topics=audited_topics(settings.kafka.topics),
    )
    handler = partial(dispatch, buffer=buffer)
    loop = ConsumeLoop(deps.source, config, handler, deps.publisher, flush=buffer.flush)
    await loop.start()
    return loop
