"""Scheduler benchmark: events/s of the running scheduler beside a bare faust agent on the same
topic (both real processes on the real broker, the same exactly-once guarantee, one table write
per event), each the median of three runs, over a book whose closes of business (the daily
sweeps) are published and measured too; and the daily sweep time for 1M loans."""

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

from tqdm import tqdm

from bench.common import beside_baseline
from sandbox.loanbook import borrowers, publish_items, simulated_book
from sandbox.smtp import free_port
from sandbox.stack import SERVICES, Stack, StackConfig
from services.scheduler.bootstrap import plan_context
from services.scheduler.domain.loan import Loan
from services.scheduler.domain.planner import apply, pre_due, sweep
from services.scheduler.settings import Settings
from shared.events import BusinessDayClosed
from shared.kafka import create_topics
from shared.settings import KafkaSettings


def bootstrap() -> str:
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or (
        f"127.0.0.1:{os.environ.get('KAFKA_PORT', '19092')}"
    )


async def scheduler_rate(kafka: KafkaSettings, workdir: Path, count: int) -> float:
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
    stack.start("scheduler")
    try:
        await stack.wait_ready("scheduler")
        first = None
        with tqdm(total=count, desc="scheduler: events", unit="event") as bar:
            while (done := int(await stack.consumed("scheduler", outcome=None))) < count:
                if done and first is None:
                    first = time.monotonic()
                bar.update(done - bar.n)
                await asyncio.sleep(0.05)
            bar.update(done - bar.n)
        return count / (time.monotonic() - (first or time.monotonic()))
    finally:
        stack.stop_all()


def bare_rate(kafka: KafkaSettings, count: int) -> float:
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "bench.bare_agent",
            kafka.topics.loan_events,
            str(count),
            kafka.bootstrap_servers,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    # faust's worker logs what its agents print: find the JSON in its output.
    found = re.search(r'\{"events".*?\}', result.stdout + result.stderr)
    if found is None:
        raise RuntimeError(f"the bare agent reported nothing: {result.stderr[-500:]}")
    figures = json.loads(found.group(0))
    return float(figures["events"]) / float(figures["seconds"])


def sweep_million(loans: int) -> float:
    """Seconds to sweep ``loans`` loans once (the daily close of business, one process)."""
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


async def book_topics(loans: int, days: int) -> tuple[KafkaSettings, int]:
    """A fresh namespace holding a simulated book: loan events and a close of business per day
    and partition (the sweeps), in business-date order."""
    kafka = KafkaSettings(
        bootstrap_servers=bootstrap(), topic_namespace=f"bench{secrets.token_hex(3)}"
    )
    await create_topics(kafka, kafka.topics.all(), partitions=4)
    book = simulated_book(loans, days=days, run=kafka.topic_namespace, start=date(2026, 1, 5))
    items = [i for i in book if i.kind != "customer"]
    await publish_items(kafka, tqdm(items, desc="scheduler: publishing", unit="event"))
    return kafka, len(items)


async def main(
    loans: int = 6000, days: int = 30, sweep_loans: int = 1_000_000, runs: int = 3
) -> dict[str, Any]:
    ours: list[float] = []
    bare: list[float] = []
    events = 0
    for _ in range(runs):  # each run on its own topics: both read the book from the start
        kafka, events = await book_topics(loans, days)
        with tempfile.TemporaryDirectory(dir=".local") as tmp:
            ours.append(await scheduler_rate(kafka, Path(tmp), events))
        bare.append(await asyncio.to_thread(bare_rate, kafka, events))
    return {
        "events_per_s": beside_baseline(
            ours,
            bare,
            "bare faust agent, exactly_once, one table write per event, same topic",
            events=events,
            with_sweeps=True,
        ),
        "daily_sweep_1m_loans": {
            "seconds": round(await asyncio.to_thread(sweep_million, sweep_loans), 1),
            "loans": sweep_loans,
        },
    }
