"""Composition root of the scheduler: settings in, a faust app with its agents and pages out."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from datetime import UTC, date, datetime, time
from typing import Any, Final, cast
from zoneinfo import ZoneInfo

import faust
from faust.tables.manager import TableManager
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.scheduler.adapters.faust import FaustEventPublisher, TableLoanStore
from services.scheduler.calendar import BusinessCalendar, load_calendar
from services.scheduler.handlers import (
    SERVICE,
    LoanRecord,
    SchedulerContext,
    dead_letter,
    handle_loan_record,
)
from services.scheduler.metrics import LOANS_TRACKED
from services.scheduler.planner import Context
from services.scheduler.settings import Settings
from services.scheduler.strategy import load_strategy
from shared.calendars.monitoring import watch_calendar
from shared.errors import PermanentError, RetryableError
from shared.events import BorrowerReplied, BusinessDayClosed, KafkaRecord, decode, encode
from shared.logging import logging_config
from shared.ports import EventPublisher
from shared.settings import KafkaSettings

log = logging.getLogger(__name__)
MAX_RETRY_PAUSE_S: Final = 30.0


class Outcome:
    """Set when an agent died of a bug, so the process exits non-zero."""

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


def plan_context(settings: Settings) -> Context:
    """The strategy and calendar, loaded and validated: a bad file stops the service here."""
    strategy = load_strategy(settings.strategy_file.read_text(encoding="utf-8"))
    calendar = load_calendar(settings.calendar_file)
    watch_calendar(calendar)
    return Context(strategy, calendar)


def create_app(
    settings: Settings, outcome: Outcome | None = None, publisher: EventPublisher | None = None
) -> faust.App:
    """Build the scheduler's faust app; nothing connects until the worker starts it.

    :param settings: the scheduler's settings.
    :param outcome: set when an agent dies of a bug.
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
        processing_guarantee=settings.processing_guarantee,
        consumer_auto_offset_reset="earliest",
        consumer_group_instance_id=settings.kafka.group_instance_id,
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication_factor,
        producer_acks=-1,
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=2.0,
        web_port=settings.http_port,
        web_bind=settings.http_host,
        # /table would serve loan state over HTTP; the other views are debugging aids.
        web_tables_enabled=False,
        web_router_enabled=False,
        web_graph_enabled=False,
        web_stats_enabled=False,
        logging_config=logging_config(SERVICE, settings.log_level),
    )
    plan = plan_context(settings)
    table = app.Table("loans", default=None, partitions=settings.topic_partitions)
    # A substitute publisher means no broker (component tests): nothing to flush then.
    loans = TableLoanStore(table, app.producer.flush if publisher is None else _nothing_to_flush)
    out = publisher or FaustEventPublisher(app, service=SERVICE)
    ctx = SchedulerContext(loans=loans, publisher=out, topics=topics, plan=plan)
    loan_topics = app.topic(
        topics.loan_events, topics.scheduler_commands, key_serializer="raw", value_serializer="raw"
    )
    replies = app.topic(topics.replies, key_serializer="raw", value_serializer="raw")

    @app.agent(loan_topics, name="track-loans")
    async def track_loans(stream: Any) -> None:
        async for event in stream.events():
            await _handle_with_retry(_loan_record(event), ctx, outcome)
            LOANS_TRACKED.set(len(loans))

    @app.agent(replies, name="route-replies")
    async def route_replies(stream: Any) -> None:
        async for event in stream.events():
            await _route_reply(_loan_record(event), ctx)

    if settings.sweep_at is not None:
        _add_daily_close(app, settings, plan.calendar, out)
    _add_pages(app)
    return app


async def _nothing_to_flush() -> None:
    return None


def _loan_record(event: Any) -> LoanRecord:
    message = event.message
    headers = message.headers or []
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers)
    stamp = message.timestamp
    return LoanRecord(
        timestamp=int(stamp * 1000) if isinstance(stamp, int | float) else 0,
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


async def _route_reply(record: LoanRecord, ctx: SchedulerContext) -> None:
    """Replies are keyed by debtor; the loan they concern is re-keyed onto the command topic."""
    try:
        reply = decode(record.value, record.headers)
    except PermanentError as e:
        await dead_letter(record, e, ctx)
        return
    if isinstance(reply, BorrowerReplied) and reply.loan_id:
        forwarded = KafkaRecord(
            key=reply.loan_id.encode(), value=record.value or b"", headers=tuple(record.headers)
        )
        await ctx.publisher.publish_record(ctx.topics.scheduler_commands, forwarded)


def _add_daily_close(
    app: faust.App, settings: Settings, calendar: BusinessCalendar, publisher: EventPublisher
) -> None:
    """Without a close-of-business event from core banking, the leader sends one per partition
    each day at ``sweep_at`` local time (a repeat is harmless: sweeps are idempotent)."""
    swept: list[date] = []
    sweep_at = settings.sweep_at
    assert sweep_at is not None  # noqa: S101 - checked by the caller

    @app.timer(30.0, on_leader=True)  # type: ignore[untyped-decorator]
    async def close_business_day() -> None:
        now = datetime.now(UTC)
        today = calendar.business_date(now)
        if (swept and swept[-1] == today) or _local_time(now, calendar) < sweep_at:
            return
        for partition in range(settings.topic_partitions):
            close = BusinessDayClosed(
                event_id=f"close-{today}-{partition}", occurred_at=now, business_date=today
            )
            record = encode(close, source="/dunwell/scheduler")
            await publisher.publish_record(
                settings.kafka.topics.scheduler_commands, record, partition=partition
            )
        swept.append(today)


def _local_time(now: datetime, calendar: BusinessCalendar) -> time:
    return now.astimezone(ZoneInfo(calendar.time_zone)).time()


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
