"""Composition root of the scheduler: settings in, a faust app with its agent and pages out."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from typing import Any, Final, cast

import faust
from faust.tables.manager import TableManager
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.scheduler.adapters.faust import FaustEventPublisher, TableContactStateStore
from services.scheduler.domain import ContactPolicy
from services.scheduler.handlers import SERVICE, LoanRecord, SchedulerContext, handle_loan_record
from services.scheduler.settings import Settings
from shared.errors import RetryableError
from shared.kafka import EventPublisher
from shared.logging import logging_config
from shared.settings import KafkaSettings

log = logging.getLogger(__name__)
MAX_RETRY_PAUSE_S: Final = 30.0


class Outcome:
    """Set when the agent died of a bug, so the process exits non-zero."""

    failed = False


def broker_options(kafka: KafkaSettings) -> dict[str, Any]:
    """faust's broker URL list and credentials from our Kafka settings."""
    urls = [f"kafka://{server.strip()}" for server in kafka.bootstrap_servers.split(",")]
    options: dict[str, Any] = {"broker": urls}
    if kafka.security_protocol.startswith("SASL"):
        password = kafka.sasl_password.get_secret_value() if kafka.sasl_password else ""
        options["broker_credentials"] = faust.SASLCredentials(
            username=kafka.sasl_username or "",
            password=password,
            mechanism=kafka.sasl_mechanism or "SCRAM-SHA-512",
            ssl_context=None,
        )
    return options


def create_app(
    settings: Settings, outcome: Outcome | None = None, publisher: EventPublisher | None = None
) -> faust.App:
    """Build the scheduler's faust app; nothing connects until the worker starts it.

    :param settings: the scheduler's settings.
    :param outcome: set when the agent dies of a bug.
    :param publisher: replaces the faust producer (component tests).
    """
    topics = settings.kafka.topics
    suffix = f"-{settings.kafka.topic_namespace}" if settings.kafka.topic_namespace else ""
    outcome = outcome or Outcome()
    app = faust.App(
        settings.app_id + suffix,
        **broker_options(settings.kafka),
        store=settings.store,
        datadir=settings.datadir,
        autodiscover=False,
        processing_guarantee="at_least_once",
        consumer_auto_offset_reset="earliest",
        consumer_group_instance_id=settings.kafka.group_instance_id,
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication_factor,
        producer_acks=-1,
        web_port=settings.http_port,
        web_bind=settings.http_host,
        # /table would serve loan state over HTTP; the other views are debugging aids.
        web_tables_enabled=False,
        web_router_enabled=False,
        web_graph_enabled=False,
        web_stats_enabled=False,
        logging_config=logging_config(SERVICE, settings.log_level),
    )
    loan_events = app.topic(topics.loan_events, key_serializer="raw", value_serializer="raw")
    states = app.Table("contact-state", default=None, partitions=settings.topic_partitions)
    ctx = SchedulerContext(
        states=TableContactStateStore(states),
        publisher=publisher or FaustEventPublisher(app, service=SERVICE),
        topics=topics,
        policy=ContactPolicy(settings.notice_template_id, settings.pay_within_days),
    )

    @app.agent(loan_events, name="track-loans")
    async def track_loans(stream: Any) -> None:
        async for event in stream.events():
            await _handle_with_retry(_loan_record(event), ctx, outcome)

    _add_pages(app)
    return app


def _loan_record(event: Any) -> LoanRecord:
    message = event.message
    headers = message.headers or []
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers)
    return LoanRecord(
        key=message.key,
        value=message.value,
        headers=pairs,
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
    )


async def _handle_with_retry(record: LoanRecord, ctx: SchedulerContext, outcome: Outcome) -> None:
    """Retry transient failures in place (the record is never skipped); a bug stops the worker."""
    pause = 0.5
    while True:
        try:
            await handle_loan_record(record, ctx)
            return
        except RetryableError as e:
            log.warning("transient failure; retrying", extra={"error": str(e)})
            await asyncio.sleep(min(pause, MAX_RETRY_PAUSE_S))
            pause *= 2
        except Exception:
            log.exception("bug while handling a loan record; stopping")
            outcome.failed = True
            os.kill(os.getpid(), signal.SIGTERM)
            raise


def _add_pages(app: faust.App) -> None:
    @app.page("/metrics")
    async def metrics(web: Any, request: Any) -> Any:
        # aiohttp wants the charset apart from the media type.
        return web.bytes(generate_latest(), content_type=CONTENT_TYPE_LATEST.split(";")[0])

    @app.page("/healthz")
    async def healthz(web: Any, request: Any) -> Any:
        return web.json({"ok": True})

    @app.page("/readyz")
    async def readyz(web: Any, request: Any) -> Any:
        # Ready once partitions are assigned, tables recovered and streams seeked.
        recovered = cast(TableManager, app.tables).recovery.completed.is_set()
        ready = recovered and not app.rebalancing and not app.in_recovery
        return web.json({"ok": ready}, status=200 if ready else 503)
