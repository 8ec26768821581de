"""Notifier benchmark, on the real broker with the provider sandbox, beside its baseline.

- Throughput: contact requests (SMS) through the running notifier process (decode, directory,
  compliance gate with its reservation, ledger on SQLite with synchronous=FULL or PostgreSQL,
  signed Aliyun call over HTTP, receipt taken, interaction published), against a bare aiokafka
  consumer making the same signed SendSms call to the same sandbox endpoint at the same
  concurrency, its receipts taken and acknowledged (:mod:`bench.bare_consume_post`): first to
  last arrival at the sandbox, the same number of records; each the median of three runs. The
  sandbox runs in a process of its own.
- Latency: requests published at a steady rate (500/s by default); time from publishing a
  request to the provider receiving its message, p50/p99/max.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy
from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from tqdm import tqdm

from bench.common import beside_baseline
from bench.notifier_sandbox import SandboxProcess
from bench.scheduler_bench import bootstrap
from sandbox.loanbook import sandbox_mobile
from sandbox.smtp import free_port
from sandbox.stack import SERVICES, Stack, StackConfig, morning_of
from services.notifier.domain.sends import verification_code
from services.notifier.settings import Settings
from shared.events import ContactRequested, Event, encode
from shared.kafka import client_options, create_topics
from shared.settings import KafkaSettings
from shared.testing.factories import contact_details, contact_request

SECRET = b"local-development-only"  # the notifier's default verification key


async def publish(
    kafka: KafkaSettings, topic: str, events: Iterable[Event], *, rate: float | None = None
) -> dict[str, float]:
    """Publish ``events`` (optionally paced at ``rate``/s); event id -> publish time."""
    producer = AIOKafkaProducer(**client_options(kafka), acks="all", enable_idempotence=True)
    await producer.start()
    sent: dict[str, float] = {}
    pending = []
    started = time.monotonic()
    try:
        for n, event in enumerate(events):
            if rate is not None:
                await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
            record = encode(event, source="/bench")
            sent[event.event_id] = time.time()
            pending.append(
                await producer.send(
                    topic, value=record.value, key=record.key, headers=list(record.headers)
                )
            )
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return sent


#: The gate's clock for the benchmark: a weekday the calendar covers officially.
CLOCK_DAY = date(2026, 11, 30)


def requests_for(run: str, first: int, count: int) -> list[ContactRequested]:
    now = datetime.now(UTC)
    due, pay_by = CLOCK_DAY - timedelta(days=3), CLOCK_DAY + timedelta(days=7)
    return [
        contact_request(
            debtor_id=f"{run}-D{n}", channels=("sms",), occurred_at=now, due_date=due, pay_by=pay_by
        )
        for n in range(first, first + count)
    ]


def _notifier(
    kafka: KafkaSettings, workdir: Path, providers: SandboxProcess, database_url: str | None
) -> Stack:
    """The notifier alone, started on the bench's clock day."""
    stack = Stack(
        StackConfig(
            bootstrap_servers=kafka.bootstrap_servers,
            workdir=workdir,
            smtp_port=free_port(),
            namespace=kafka.topic_namespace,
            ports=PORTS,
            log_level="WARNING",
            providers_url=providers.url,
            notifier_clock_start=morning_of(CLOCK_DAY),
        )
    )
    # The provider's own rate limit is not what is measured here: the token bucket is opened
    # wide so that the pipeline (gate, ledger, HTTP, Kafka) is what sets the pace.
    env = {"DUNWELL_NOTIFIER_ALIYUN__RATE_PER_S": "100000"}
    if database_url:
        env["DUNWELL_NOTIFIER_DATABASE_URL"] = database_url
    stack.start("notifier", extra_env=env)
    return stack


async def notifier_figures(
    kafka: KafkaSettings,
    workdir: Path,
    providers: SandboxProcess,
    count: int,
    rate: float,
    database_url: str | None = None,
) -> dict[str, Any]:
    run = kafka.topic_namespace
    latency_count = int(rate * 6)  # six seconds at the target rate
    backlog = RUNS * count
    # Debtors for the backlogs, the run at the target rate and the run at half capacity.
    directory = [
        contact_details(f"{run}-D{n}", mobile=sandbox_mobile(n), email=None)
        for n in range(backlog + 2 * latency_count)
    ]
    await publish(kafka, kafka.topics.customer_events, tqdm(directory, desc="notifier: directory"))
    stack = _notifier(kafka, workdir, providers, database_url)
    try:
        await stack.wait_ready("notifier")
        topic = kafka.topics.customer_events
        while await stack.consumed("notifier", topic) < len(directory):  # noqa: ASYNC110 - another process
            await asyncio.sleep(0.2)
        # Throughput: backlogs of requests, first to last arrival at the provider, each run.
        rates = [await backlog_rate(kafka, providers, run, n * count, count) for n in range(RUNS)]
        # Latency at the target rate, then at half the measured capacity (no queue builds up).
        target = await paced_latency(kafka, providers, run, backlog, latency_count, rate)
        half = statistics.median(rates) / 2
        relaxed = await paced_latency(
            kafka, providers, run, backlog + latency_count, min(int(half * 6), latency_count), half
        )
    finally:
        stack.stop_all()
    return {
        "notifier_msgs_per_s": rates,
        **target,
        **{f"half_capacity_{k}": v for k, v in relaxed.items()},
    }


#: Runs of each throughput figure (ours and the baseline's).
RUNS = 3


async def backlog_rate(
    kafka: KafkaSettings, providers: SandboxProcess, run: str, first: int, count: int
) -> float:
    """``count`` requests published at once: first to last arrival at the provider."""
    before = providers.received_count()
    await publish(kafka, kafka.topics.contact_requests, requests_for(run, first, count))
    await providers.wait_for(before + count, "notifier: sms sent")
    times = sorted(r.received_at for r in providers.received()[before : before + count])
    return (count - 1) / (times[-1] - times[0])


async def paced_latency(
    kafka: KafkaSettings,
    providers: SandboxProcess,
    run: str,
    first: int,
    count: int,
    rate: float,
) -> dict[str, float]:
    """Publish ``count`` requests at ``rate``/s; time from publishing to the provider."""
    before = providers.received_count()
    paced = requests_for(run, first, count)
    published = await publish(kafka, kafka.topics.contact_requests, paced, rate=rate)
    await providers.wait_for(before + count, f"notifier: {rate:.0f}/s")
    by_code = {r.code: r.received_at for r in providers.received()}
    latencies = sorted(
        by_code[verification_code(SECRET, r.event_id, "sms")] - published[r.event_id] for r in paced
    )
    achieved = count / (max(published.values()) - min(published.values()))
    return {
        "paced_rate_per_s": round(achieved, 1),
        "latency_p50_ms": round(statistics.median(latencies) * 1000, 1),
        "latency_p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "latency_max_ms": round(latencies[-1] * 1000, 1),
    }


def baseline_rate(kafka: KafkaSettings, providers: SandboxProcess, count: int) -> float:
    """One run of the bare consumer over the backlog's first ``count`` requests, receiving the
    receipts on the notifier's callback port (the notifier is stopped by then)."""
    before = providers.received_count()
    subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "bench.bare_consume_post",
            kafka.topics.contact_requests,
            str(count),
            kafka.bootstrap_servers,
            f"{providers.url}/aliyun/",
            str(PORTS["notifier"]),
            str(SEND_CONCURRENCY),
        ],
        check=True,
        timeout=900,
    )
    times = sorted(r.received_at for r in providers.received()[before : before + count])
    return (len(times) - 1) / (times[-1] - times[0])


#: The notifier's provider calls side by side (its default ``SEND_CONCURRENCY``), the baseline's.
SEND_CONCURRENCY = Settings.model_fields["send_concurrency"].default


PORTS = {service: free_port() for service in SERVICES}


def fresh_postgres_database() -> str:
    """A new database on the local PostgreSQL server (the production store)."""
    port = os.environ.get("POSTGRES_PORT", "15432")
    server = os.environ.get("DUNWELL_TEST_POSTGRES_URL") or (
        f"postgresql+psycopg://dunwell@127.0.0.1:{port}/postgres"
    )
    name = f"dunwell_bench_{secrets.token_hex(4)}"
    admin = sqlalchemy.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server.rsplit("/", 1)[0] + "/" + name


async def one_store(
    store: str, count: int, rate: float, database_url: str | None
) -> tuple[dict[str, Any], list[float]]:
    """The notifier's figures on one store, and the same run's baseline."""
    kafka = KafkaSettings(
        bootstrap_servers=bootstrap(), topic_namespace=f"nbench{secrets.token_hex(3)}"
    )
    await create_topics(kafka, kafka.topics.all(), partitions=4)
    providers = SandboxProcess(callback_base=f"http://127.0.0.1:{PORTS['notifier']}").start()
    try:
        with tempfile.TemporaryDirectory(dir=".local") as tmp:
            figures = await notifier_figures(kafka, Path(tmp), providers, count, rate, database_url)
        baselines = [baseline_rate(kafka, providers, count) for _ in range(RUNS)]
    finally:
        providers.stop()
    return {f"{store}_{k}": v for k, v in figures.items()}, baselines


async def main(count: int = 1000, rate: float = 500.0) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for store, url in (("sqlite", None), ("postgres", fresh_postgres_database())):
        found, baselines = await one_store(store, count, rate, url)
        figures |= shape(store, found, baselines, count)
    return figures


def shape(store: str, found: dict[str, Any], baselines: list[float], count: int) -> dict[str, Any]:
    """One store's figures in the results file's shape (medians and ranges, baseline, ratio)."""
    f = {k.removeprefix(f"{store}_"): v for k, v in found.items()}
    return {
        f"{store}_msgs_per_s": beside_baseline(
            f["notifier_msgs_per_s"],
            baselines,
            "bare aiokafka consumer: the same signed Aliyun SendSms to the same sandbox, "
            f"{SEND_CONCURRENCY} side by side, receipts taken and acknowledged",
            digits=1,
            messages=count,
        ),
        f"{store}_latency_at_target": {
            "offered_per_s": f["paced_rate_per_s"],
            "p50_ms": f["latency_p50_ms"],
            "p99_ms": f["latency_p99_ms"],
            "max_ms": f["latency_max_ms"],
        },
        f"{store}_latency_at_half_capacity": {
            "offered_per_s": f["half_capacity_paced_rate_per_s"],
            "p50_ms": f["half_capacity_latency_p50_ms"],
            "p99_ms": f["half_capacity_latency_p99_ms"],
            "max_ms": f["half_capacity_latency_max_ms"],
        },
    }
