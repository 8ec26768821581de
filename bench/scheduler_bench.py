"""Scheduler benchmark: events/s of the running scheduler beside a bare faust agent on the same
book (both real processes on the real broker, the same exactly-once guarantee, one table write
per event), over 100k events at steady state, each the median of three runs taken alternately;
the book's closes of business (sweeps of every loan) are published and measured too, and their
share of the time reported; and a 1,000,000-loan daily close through the running scheduler and
its Table (``scheduler_close``)."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer
from tqdm import tqdm

from bench import scheduler_close
from bench.common import beside_baseline, median_of
from bench.scheduler_book import bench_stack, book_items, sweeps
from bench.scheduler_book import bootstrap as bootstrap  # the other benchmarks take it from here
from shared.events import encode
from shared.kafka import client_options, create_topics
from shared.settings import KafkaSettings

#: The share of a run's first records left out of its rate (joining, recovery, first batches).
WARMUP = 0.1
#: How often the running scheduler's progress is read off its /metrics page (each read is a
#: whole Prometheus exposition in the measured process: at 20 a second it took 7 % of its time).
POLL_S = 0.25


async def scheduler_run(
    kafka: KafkaSettings, workdir: Path, count: int, run: str
) -> dict[str, float]:
    """One run of the real scheduler process over the whole book, under its own group and
    tables (``run``): events/s at steady state (from the first tenth of the book to its last
    record), that with the sweeps' own time left out, and the loans it swept per second."""
    stack = bench_stack(kafka, workdir)
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
                await asyncio.sleep(POLL_S)
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
    loans: int = 15_000,
    days: int = 60,
    close_every: int = 10,
    close_loans: int = 1_000_000,
    runs: int = 3,
) -> dict[str, Any]:
    """Both sides read the same book, run after run, alternately (the machine is shared); then
    the daily close of ``close_loans`` loans through the running scheduler (``scheduler_close``).

    The book's 15,000 loans (about 39,000 records, 28 closes) reach steady state within its
    first tenth: the rate of a run's later tenths is flat."""
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
        "daily_close_1m_loans": await scheduler_close.main(close_loans),
    }
