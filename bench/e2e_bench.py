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
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
from aiokafka import AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families
from tqdm import tqdm

from bench.scheduler_bench import bootstrap
from sandbox.loanbook import SOURCE, Item, simulated_book
from sandbox.providers.background import BackgroundSandbox
from sandbox.reference import expected_requests
from sandbox.smtp import SmtpInbox, free_port
from sandbox.stack import SERVICES, Stack, StackConfig, morning_of
from shared.events import encode
from shared.kafka import client_options, create_topics
from shared.settings import KafkaSettings

START = date(2026, 1, 5)


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


async def outcomes(stack: Stack) -> dict[str, int]:
    """The notifier's sends by outcome (sent, blocked, deferred, ...), from its /metrics."""
    url = f"http://127.0.0.1:{stack.ports['notifier']}/metrics"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        text = await response.text()
    found: dict[str, int] = {}
    for family in text_string_to_metric_families(text):
        if family.name == "notifier_messages":
            for sample in family.samples:
                if sample.name.endswith("_total") and sample.value:
                    outcome = sample.labels["outcome"]
                    found[outcome] = found.get(outcome, 0) + int(sample.value)
    return found


#: The providers' own rate limits are not what is measured: the buckets are opened wide.
WIDE_OPEN = {
    "DUNWELL_NOTIFIER_ALIYUN__RATE_PER_S": "100000",
    "DUNWELL_NOTIFIER_WECHAT__RATE_PER_S": "100000",
}


def _stack(kafka: KafkaSettings, workdir: Path) -> tuple[Stack, BackgroundSandbox, SmtpInbox]:
    ports = {s: free_port() for s in SERVICES}
    providers = BackgroundSandbox(callback_base=f"http://127.0.0.1:{ports['notifier']}").start()
    inbox = SmtpInbox().start()
    config = StackConfig(
        bootstrap_servers=kafka.bootstrap_servers,
        workdir=workdir,
        smtp_port=inbox.port,
        namespace=kafka.topic_namespace,
        ports=ports,
        log_level="WARNING",
        providers_url=providers.url,
        # The clock starts on the book's first morning: what is planned is still true
        # when it is sent (the book replays weeks while the clock runs minutes).
        notifier_clock_start=morning_of(START),
    )
    return Stack(config), providers, inbox


async def _directory_s(stack: Stack, kafka: KafkaSettings, customers: list[Item]) -> float:
    """Every borrower's contact details into the notifier's directory: seconds taken."""

    def directory() -> Awaitable[float]:
        return stack.consumed("notifier", kafka.topics.customer_events)

    await publish_book(kafka, customers)
    await until("e2e: directory, first record", 1, directory, 300)
    began = time.monotonic()
    return await until("e2e: notifier (directory)", len(customers), directory) - began


async def _book(stack: Stack, kafka: KafkaSettings, loans: list[Item], requests: int) -> Phases:
    """The loan events through scheduler, notifier and audit: when each was done."""
    topics = kafka.topics

    def scheduler_seen() -> Awaitable[float]:
        return stack.consumed("scheduler", topics.loan_events, None)

    await publish_book(kafka, loans)
    await until("e2e: book, first record", 1, scheduler_seen, 300)
    began = time.monotonic()
    scheduled = await until("e2e: scheduler (loan events)", len(loans), scheduler_seen)
    notified = await until(
        "e2e: notifier (contact requests)",
        requests,
        lambda: stack.consumed("notifier", topics.contact_requests),
    )
    interactions = await stack.counted(
        "notifier", "dunwell_events_published", topic=topics.interactions
    )
    audited = await until(
        "e2e: audit (interactions)",
        interactions,
        lambda: stack.consumed("audit", topics.interactions),
    )
    return Phases(scheduled - began, notified - began, audited - began, int(interactions))


@dataclass(frozen=True)
class Phases:
    """Seconds from the book's first event until each service was done."""

    scheduler_s: float
    notifier_s: float
    audited_s: float
    interactions: int


async def pipeline(
    kafka: KafkaSettings, items: list[Item], requests: int, workdir: Path
) -> dict[str, Any]:
    """Run the three services: first the directory (every borrower's contact details), then
    the loan events through scheduler, notifier and audit. Phase times and counts."""
    customers = [i for i in items if i.kind == "customer"]
    loans = [i for i in items if i.kind != "customer"]
    stack, providers, inbox = _stack(kafka, workdir)
    try:
        for service in SERVICES:
            stack.start(service, WIDE_OPEN if service == "notifier" else None)
        for service in SERVICES:
            await stack.wait_ready(service, timeout_s=300)
        directory_s = await _directory_s(stack, kafka, customers)
        phases = await _book(stack, kafka, loans, requests)
        arrivals = len(providers.received()) + len(inbox.messages())
        by_outcome = await outcomes(stack)
    finally:
        stack.stop_all()
        inbox.stop()
        providers.stop()
    return {
        "directory_s": directory_s,
        "book_s": phases.audited_s,
        "scheduler_s": phases.scheduler_s,
        "notifier_s": phases.notifier_s,
        "interactions": phases.interactions,
        "messages": arrivals,
        "outcomes": by_outcome,
        "customers": len(customers),
        "loan_events": len(loans),
    }


async def main(loans: int = 100_000, days: int = 1) -> dict[str, Any]:
    kafka = KafkaSettings(
        bootstrap_servers=bootstrap(), topic_namespace=f"e2e{secrets.token_hex(3)}"
    )
    await create_topics(kafka, kafka.topics.all(), partitions=4)
    items = list(simulated_book(loans, days=days, run=kafka.topic_namespace, start=START))
    requests = len(await asyncio.to_thread(expected_requests, items))
    # The baseline reads the whole book, published beforehand to a namespace of its own.
    shadow = KafkaSettings(
        bootstrap_servers=kafka.bootstrap_servers, topic_namespace=f"{kafka.topic_namespace}bare"
    )
    await create_topics(shadow, shadow.topics.all(), partitions=4)
    await publish_book(shadow, items)
    bare = await asyncio.to_thread(bare_consume_rate, shadow, len(items))
    with tempfile.TemporaryDirectory(dir=".local") as tmp:
        run = await pipeline(kafka, items, requests, Path(tmp))
    return figures(run, bare, requests, loans, len(items))


def figures(
    run: dict[str, Any], bare: float, requests: int, loans: int, items: int
) -> dict[str, Any]:
    """The report's entries: each rate beside the bare consumer, the phases, the outcomes."""
    directory_rate = run["customers"] / run["directory_s"]
    book_rate = run["loan_events"] / run["book_s"]
    return {
        "directory_events_per_s": {
            "value": round(directory_rate, 1),
            "baseline": round(bare, 1),
            "baseline_name": "bare aiokafka consumer reading the same book",
            "ratio": round(directory_rate / bare, 4),
            "events": run["customers"],
            "what": "every borrower's contact details into the notifier's directory",
        },
        "loan_events_per_s": {
            "value": round(book_rate, 1),
            "baseline": round(bare, 1),
            "baseline_name": "bare aiokafka consumer reading the same book",
            "ratio": round(book_rate / bare, 4),
            "events": run["loan_events"],
            "what": "first loan event to the last resulting interaction in the audit log",
        },
        "book_phases": {
            "loans": loans,
            "directory_s": round(run["directory_s"], 1),
            "scheduler_done_s": round(run["scheduler_s"], 1),
            "notifier_done_s": round(run["notifier_s"], 1),
            "all_audited_s": round(run["book_s"], 1),
            "bare_consumer_whole_book_s": round(items / bare, 1),
        },
        "book_outcomes": {
            "contact_requests": requests,
            "messages_delivered": run["messages"],
            "interactions_audited": run["interactions"],
            "sends_by_outcome": run["outcomes"],
            "messages_per_s": round(run["messages"] / run["book_s"], 1),
        },
    }
