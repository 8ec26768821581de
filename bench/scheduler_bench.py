"""Scheduler benchmark: events/s of the running scheduler beside a bare faust agent on the same
book (both real processes on the real broker, the same exactly-once guarantee, one table write
per event), over 100k events at steady state, each the median of three runs taken alternately;
the book's closes of business (sweeps of every loan) are published and measured too, and their
share of the time reported; and the in-process sweep time for 1M loans."""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiokafka import AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families
from tqdm import tqdm

from bench.common import beside_baseline, median_of
from sandbox.loanbook import Item, borrowers, simulated_book
from sandbox.smtp import free_port
from sandbox.stack import SERVICES, Stack, StackConfig
from services.scheduler.bootstrap import plan_context
from services.scheduler.domain.loan import Loan
from services.scheduler.domain.planner import apply, pre_due, sweep
from services.scheduler.settings import Settings
from shared.events import BusinessDayClosed, encode
from shared.kafka import client_options, create_topics
from shared.settings import KafkaSettings


def bootstrap() -> str:
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or (
        f"127.0.0.1:{os.environ.get('KAFKA_PORT', '19092')}"
    )


#: The share of a run's first records left out of its rate (joining, recovery, first batches).
WARMUP = 0.1


async def scheduler_run(
    kafka: KafkaSettings, workdir: Path, count: int, run: str
) -> dict[str, float]:
    """One run of the real scheduler process over the whole book, under its own group and
    tables (``run``): events/s at steady state (from the first tenth of the book to its last
    record), that with the sweeps' own time left out, and the loans it swept per second."""
    stack = Stack(
        StackConfig(
            bootstrap_servers=kafka.bootstrap_servers,
            workdir=workdir,
            smtp_port=free_port(),
            namespace=kafka.topic_namespace,
            ports={s: free_port() for s in SERVICES},
            log_level="WARNING",
        )
    )
    stack.start("scheduler", {"DUNWELL_SCHEDULER_APP_ID": f"bench-scheduler-{run}"})
    try:
        await stack.wait_ready("scheduler", timeout_s=180)
        warm = max(1, int(count * WARMUP))
        started, at_start = None, (0.0, 0.0)
        with tqdm(total=count, desc=f"scheduler {run}: events", unit="event") as bar:
            while (done := int(await stack.consumed("scheduler", outcome=None))) < count:
                if done >= warm and started is None:
                    started, at_start = time.monotonic(), await sweeps(stack)
                bar.update(done - bar.n)
                await asyncio.sleep(0.05)
            bar.update(done - bar.n)
        elapsed = time.monotonic() - (started or time.monotonic())
        swept_s, swept = (b - a for a, b in zip(at_start, await sweeps(stack), strict=True))
        measured = count - warm
        return {
            "events_per_s": measured / elapsed,
            "events_per_s_without_sweeps": measured / max(elapsed - swept_s, 1e-9),
            "sweep_share": swept_s / elapsed,
            "loans_swept_per_s": swept / swept_s if swept_s else 0.0,
        }
    finally:
        stack.stop_all()


async def sweeps(stack: Stack) -> tuple[float, float]:
    """(seconds spent sweeping, loans swept) so far, from the scheduler's metrics page."""
    url = f"http://127.0.0.1:{stack.ports['scheduler']}/metrics"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        text = await response.text()
    samples = {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    return (
        samples.get("scheduler_sweep_duration_seconds_sum", 0.0),
        samples.get("scheduler_loans_swept_total", 0.0),
    )


def bare_rate(kafka: KafkaSettings, count: int) -> float:
    """The bare agent's events/s at steady state over the same book (its own group)."""
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "bench.bare_agent",
            kafka.topics.loan_events,
            str(count),
            kafka.bootstrap_servers,
            "4",
            str(max(1, int(count * WARMUP))),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    # faust's worker logs what its agents print: find the JSON in its output.
    found = re.search(r'\{"events".*?\}', result.stdout + result.stderr)
    if found is None:
        raise RuntimeError(f"the bare agent reported nothing: {result.stderr[-500:]}")
    figures = json.loads(found.group(0))
    return float(figures["events"]) / float(figures["seconds"])


def sweep_million(loans: int) -> float:
    """Seconds to sweep ``loans`` loans once in process: the planner's pure functions alone (the
    daily close of business without the agent, the Table or the broker)."""
    ctx = plan_context(Settings())
    start = date(2026, 1, 5)
    templates: list[Loan] = []
    for b in borrowers(2000, seed=3, run="sweep", start=start):
        decision = apply(None, b.opening(start)[1].event, ctx)  # type: ignore[arg-type]
        assert decision.loan is not None  # noqa: S101 - an opening always yields a loan
        templates.append(decision.loan)
    book = [
        templates[n % len(templates)].model_copy(update={"loan_id": f"L{n}"})
        for n in tqdm(range(loans), desc="scheduler: building loans", unit="loan")
    ]
    day = start + timedelta(days=45)
    close = BusinessDayClosed(event_id="close", occurred_at=datetime.now(UTC), business_date=day)
    started = time.perf_counter()
    for loan in tqdm(book, desc="scheduler: daily sweep", unit="loan"):
        swept = sweep(loan, day, ctx)
        pre_due(swept.loan or loan, close, ctx)
    return time.perf_counter() - started


def book_items(loans: int, days: int, run: str, close_every: int) -> list[Item]:
    """A simulated book's loan events in business-date order, with a close of business to every
    partition on each ``close_every``-th day (and the last)."""
    first = date(2026, 1, 5)
    last = first + timedelta(days=days)
    return [
        item
        for item in simulated_book(loans, days=days, run=run, start=first)
        if item.kind == "loan"
        or (
            item.kind == "close"
            and isinstance(item.event, BusinessDayClosed)
            and (
                (item.event.business_date - first).days % close_every == 0
                or item.event.business_date == last
            )
        )
    ]


async def book_topics(loans: int, days: int, close_every: int) -> tuple[KafkaSettings, int, int]:
    """A fresh namespace holding the book (every run reads it from the start, in its own group):
    its settings, how many records and how many of them closes."""
    kafka = KafkaSettings(
        bootstrap_servers=bootstrap(), topic_namespace=f"bench{secrets.token_hex(3)}"
    )
    await create_topics(kafka, kafka.topics.all(), partitions=4)
    items = book_items(loans, days, kafka.topic_namespace, close_every)
    producer = AIOKafkaProducer(**client_options(kafka), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        pending = []
        for item in tqdm(items, desc="scheduler: publishing", unit="event"):
            record = encode(item.event, source="/corebanking/simulator")
            pending.append(
                await producer.send(
                    kafka.topics.loan_events,
                    record.value,
                    key=record.key,
                    partition=item.partition,
                    headers=list(record.headers),
                )
            )
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return kafka, len(items), sum(1 for i in items if i.kind == "close")


async def main(
    loans: int = 40_000,
    days: int = 60,
    close_every: int = 10,
    sweep_loans: int = 1_000_000,
    runs: int = 3,
) -> dict[str, Any]:
    """Both sides read the same book, run after run, alternately (the machine is shared)."""
    kafka, events, closes = await book_topics(loans, days, close_every)
    runs_of: list[dict[str, float]] = []
    bare: list[float] = []
    for n in range(runs):
        with tempfile.TemporaryDirectory(dir=".local") as tmp:
            runs_of.append(await scheduler_run(kafka, Path(tmp), events, f"r{n}"))
        bare.append(await asyncio.to_thread(bare_rate, kafka, events))
    ours = [r["events_per_s"] for r in runs_of]
    return {
        "events_per_s": beside_baseline(
            ours,
            bare,
            "bare faust agent, exactly_once, one table write per event, same book, steady state",
            events=events,
            loans=loans,
            closes=closes,
            warmup=WARMUP,
            with_sweeps=True,
        ),
        "events_per_s_without_sweep_time": median_of(
            [r["events_per_s_without_sweeps"] for r in runs_of]
        ),
        "sweep_share_of_time": median_of([r["sweep_share"] for r in runs_of], 3),
        "loans_swept_per_s": median_of([r["loans_swept_per_s"] for r in runs_of]),
        "daily_sweep_1m_loans_in_process": {
            "seconds": round(await asyncio.to_thread(sweep_million, sweep_loans), 1),
            "loans": sweep_loans,
            "what": "the planner's pure sweep and pre-due, one process, no agent or table",
        },
    }
