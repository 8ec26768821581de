"""End-to-end benchmark: a simulated book of 100,000 loans through all three services.

The book (customer and loan events, a close of business) is published first; then the
scheduler, the notifier (SMS through the Aliyun sandbox, WeChat, email to a real SMTP server)
and the audit service start, and the clock runs from their first record to the last
interaction in the audit log. Beside it, in the same run, a bare aiokafka consumer reads the
same book off the same topics: the floor of the cost of taking it off the broker.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer
from tqdm import tqdm

from bench.common import MIN_RUNS, beside_baseline, median_of

# START: the book's first day (bench.directory_bench takes it from here too).
from bench.e2e_stack import START as START
from bench.e2e_stack import WORKERS, book_stack, start_book_services
from bench.e2e_watch import (
    Phase,
    book_phases,
    load_average,
    outcomes,
    sent_by_process,
    stack_cpu,
    watch,
)
from bench.scheduler_bench import bootstrap
from sandbox.loanbook import SOURCE, Item, simulated_book
from sandbox.reference import expected_requests
from shared.events import encode
from shared.kafka import client_options, create_topics
from shared.settings import KafkaSettings


async def publish_book(kafka: KafkaSettings, items: list[Item]) -> None:
    """Publish the book as core banking would, without waiting record by record."""
    producer = AIOKafkaProducer(
        **client_options(kafka), acks="all", enable_idempotence=True, linger_ms=20
    )
    await producer.start()
    try:
        pending = []
        for item in tqdm(items, desc="e2e: publishing the book", unit="event"):
            topic = (
                kafka.topics.customer_events
                if item.kind == "customer"
                else kafka.topics.loan_events
            )
            record = encode(item.event, source=SOURCE)
            pending.append(
                await producer.send(
                    topic,
                    value=record.value,
                    key=record.key,
                    headers=list(record.headers),
                    partition=item.partition,
                )
            )
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


def bare_consume_rate(kafka: KafkaSettings, count: int) -> float:
    """Records/s of a bare aiokafka consumer reading the book's two topics."""
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "bench.bare_consume",
            str(count),
            kafka.bootstrap_servers,
            kafka.topics.customer_events,
            kafka.topics.loan_events,
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    found = re.search(r'\{"events".*?\}', result.stdout)
    if found is None:
        raise RuntimeError(f"the bare consumer reported nothing: {result.stderr[-500:]}")
    figures = json.loads(found.group(0))
    return float(figures["events"]) / float(figures["seconds"])


async def until(
    desc: str, total: float, progress: Callable[[], Awaitable[float]], timeout_s: float = 1800
) -> float:
    """Wait (with a progress bar) until ``progress()`` reaches ``total``; returns when."""
    deadline = time.monotonic() + timeout_s
    with tqdm(total=int(total), desc=desc, unit="rec") as bar:
        while (done := await progress()) < total:
            bar.update(int(done) - bar.n)
            if time.monotonic() > deadline:
                raise TimeoutError(f"{desc}: {done} of {total}")
            await asyncio.sleep(0.25)
        bar.update(int(done) - bar.n)
    return time.monotonic()


#: The book's topics' partitions: as many as a bank gives its workers on two cores and more.
PARTITIONS = 4


async def one_run(
    kafka: KafkaSettings,
    items: list[Item],
    requests: int,
    workdir: Path,
    workers: dict[str, int] | None = None,
) -> dict[str, Any]:
    """One morning: the whole book already on the broker (core banking's overnight batch),
    then the services started; from the first record any of them takes to the last
    interaction audited. Each phase's first and last record, the sends, each process's CPU.
    ``workers``: how many processes of each service (``WORKERS`` unless given)."""
    await create_topics(kafka, kafka.topics.all(), partitions=PARTITIONS)
    await publish_book(kafka, items)
    customers = sum(1 for i in items if i.kind == "customer")
    phases = book_phases(kafka.topics, customers, len(items) - customers, requests)
    stack, providers = book_stack(kafka, workdir)
    try:
        load = load_average()
        start_book_services(stack, workers)
        await watch(stack, phases)
        cpu = {**stack_cpu(stack), "load_average_before": load, "after": load_average()}
        by_outcome = await outcomes(stack)
        by_process = await sent_by_process(stack)
        messages = await asyncio.to_thread(providers.messages)
    finally:
        stack.stop_all()
        providers.stop()
    return {**run_figures(phases, cpu, by_outcome, messages), "sent_by_process": by_process}


def run_figures(
    phases: list[Phase], cpu: dict[str, float], by_outcome: dict[str, int], messages: list[Any]
) -> dict[str, Any]:
    """One run's figures: the whole, each phase, the outcomes and the CPU."""
    began = min(p.first or 0.0 for p in phases)
    ended = max(p.done or 0.0 for p in phases)
    audit = next(p for p in phases if p.name == "audit")
    notifier = next(p for p in phases if p.name == "notifier")
    receipts = next((p for p in phases if p.name == "receipts"), None)
    return {
        "book_s": ended - began,
        "phases": {
            p.name: {
                "records": p.count,
                "seconds": (p.done or 0.0) - (p.first or 0.0),
                "done_at_s": (p.done or 0.0) - began,
            }
            for p in phases
        },
        "cpu_s": cpu,
        "cpu_s_at_done": {p.name: p.cpu for p in phases},
        "sends_per_s": len(messages) / ((notifier.done or 0.0) - (notifier.first or 0.0)),
        "receipts_missing": receipts.missing if receipts else 0.0,
        "outcomes": by_outcome,
        "messages": len(messages),
        "doubled": len(messages) - len(set(messages)),
        "interactions": audit.target,
        "audited": audit.count,
    }


async def main(loans: int = 100_000, days: int = 1, runs: int = MIN_RUNS) -> dict[str, Any]:
    """``runs`` mornings of the same book, each on topics and databases of its own, beside
    the bare consumer reading the same book as many times."""
    base = f"e2e{secrets.token_hex(3)}"
    items = list(simulated_book(loans, days=days, run=base, start=START))
    requests = len(await asyncio.to_thread(expected_requests, items))
    # The baseline reads the whole book, published beforehand to a namespace of its own.
    shadow = KafkaSettings(bootstrap_servers=bootstrap(), topic_namespace=f"{base}bare")
    await create_topics(shadow, shadow.topics.all(), partitions=PARTITIONS)
    await publish_book(shadow, items)
    bare = [await asyncio.to_thread(bare_consume_rate, shadow, len(items)) for _ in range(runs)]
    done = []
    for n in range(runs):
        kafka = KafkaSettings(bootstrap_servers=bootstrap(), topic_namespace=f"{base}r{n}")
        with tempfile.TemporaryDirectory(dir=".local") as tmp:
            done.append(await one_run(kafka, items, requests, Path(tmp)))
    return figures(done, bare, requests, loans, len(items))


#: Which figure of which section each phase's rate is set beside (bench/report.py reads it).
SERVICE_FIGURES: dict[str, tuple[str, str]] = {
    "directory": ("directory", "ingest_records_per_s"),
    "scheduler": ("scheduler", "events_per_s"),
    "notifier": ("notifier", "sqlite_msgs_per_s"),
    "audit": ("audit", "durable_appends_per_s"),
}


def figures(
    runs: list[dict[str, Any]], bare: list[float], requests: int, loans: int, items: int
) -> dict[str, Any]:
    """The report's entries: the whole book's time beside its target, each phase's rate (to
    be set beside its own service's figure and baseline), the outcomes, the CPU."""
    phases = {
        name: {
            **median_of(
                [r["phases"][name]["records"] / r["phases"][name]["seconds"] for r in runs]
            ),
            "done_at_s": median_of([r["phases"][name]["done_at_s"] for r in runs], 1)["value"],
            "records": runs[0]["phases"][name]["records"],
            "service_figure": list(SERVICE_FIGURES[name]),
        }
        for name in SERVICE_FIGURES
    }
    # The notifier's figure alone is of texts (one send a request); a book's request is a text
    # and an email: its sends/s are what compare.
    phases["notifier"]["sends_per_s"] = median_of([r["sends_per_s"] for r in runs])
    phases["notifier"]["sends"] = runs[0]["messages"]
    whole = [r["book_s"] for r in runs]
    return {
        "book_seconds": {**median_of(whole, 1), "loans": loans, "target_s": 60},
        "book_events_per_s": beside_baseline(
            [items / s for s in whole],
            bare,
            "bare aiokafka consumer reading the same book",
            events=items,
            what="the whole book, directory included, first record taken to last audited",
        ),
        "phase_rates": phases,
        "book_outcomes": book_outcomes(runs, requests),
        "cpu_seconds_per_process": [r["cpu_s"] for r in runs],
        "cpu_seconds_at_each_phase_done": [r["cpu_s_at_done"] for r in runs],
        "workers": WORKERS,
    }


def book_outcomes(runs: list[dict[str, Any]], requests: int) -> dict[str, Any]:
    """The book's checks: every send sent, nothing twice, every interaction audited."""
    return {
        "contact_requests": requests,
        "messages_delivered": [r["messages"] for r in runs],
        "messages_doubled": [r["doubled"] for r in runs],
        "interactions_published": [r["interactions"] for r in runs],
        "interactions_audited": [r["audited"] for r in runs],
        "sends_by_outcome": [r["outcomes"] for r in runs],
        "receipts_missing": [r["receipts_missing"] for r in runs],
        "all_sent": all(set(r["outcomes"]) == {"sent"} for r in runs),
        "nothing_doubled": all(r["doubled"] == 0 for r in runs),
        "every_interaction_audited": all(r["audited"] == r["interactions"] for r in runs),
    }
