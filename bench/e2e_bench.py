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
from sandbox.stack import SERVICES, Stack, StackConfig
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


async def metric(stack: Stack, name: str, process: str, **labels: str) -> float:
    """The sum of ``name``'s samples on a process's /metrics page that match ``labels``."""
    url = f"http://127.0.0.1:{stack.ports[process]}/metrics"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        text = await response.text()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        if family.name == name
        for sample in family.samples
        if sample.name.endswith("_total")
        and all(sample.labels.get(k) == v for k, v in labels.items())
    )


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


async def pipeline(
    kafka: KafkaSettings, items: list[Item], requests: int, workdir: Path
) -> dict[str, Any]:
    """Run the three services on the published book; the phases' end times and counts."""
    loan_events = sum(1 for i in items if i.kind != "customer")
    customers = len(items) - loan_events
    ports = {s: free_port() for s in SERVICES}
    providers = BackgroundSandbox(callback_base=f"http://127.0.0.1:{ports['notifier']}").start()
    inbox = SmtpInbox().start()
    stack = Stack(
        StackConfig(
            bootstrap_servers=kafka.bootstrap_servers,
            workdir=workdir,
            smtp_port=inbox.port,
            namespace=kafka.topic_namespace,
            ports=ports,
            log_level="WARNING",
            providers_url=providers.url,
        )
    )
    topics = kafka.topics
    try:
        # The providers' own rate limits are not what is measured: the buckets are opened wide.
        wide = {"DUNWELL_NOTIFIER_ALIYUN_RATE_PER_S": "100000"}
        wide["DUNWELL_NOTIFIER_WECHAT_RATE_PER_S"] = "100000"
        for service in SERVICES:
            stack.start(service, wide if service == "notifier" else None)
        for service in SERVICES:
            await stack.wait_ready(service, timeout_s=300)

        async def scheduler_seen() -> float:
            return await stack.consumed("scheduler", topics.loan_events, None)

        await until("e2e: waiting for the first record", 1, scheduler_seen, 300)
        began = time.monotonic()
        scheduled = await until("e2e: scheduler (loan events)", loan_events, scheduler_seen)
        await until(
            "e2e: notifier (directory)",
            customers,
            lambda: stack.consumed("notifier", topics.customer_events),
        )
        notified = await until(
            "e2e: notifier (contact requests)",
            requests,
            lambda: stack.consumed("notifier", topics.contact_requests),
        )
        interactions = await metric(
            stack, "dunwell_events_published", "notifier", topic=topics.interactions
        )
        audited = await until(
            "e2e: audit (interactions)",
            interactions,
            lambda: stack.consumed("audit", topics.interactions),
        )
        arrivals = len(providers.received()) + len(inbox.messages())
    finally:
        stack.stop_all()
        inbox.stop()
        providers.stop()
    return {
        "seconds": audited - began,
        "scheduler_s": scheduled - began,
        "notifier_s": notified - began,
        "interactions": int(interactions),
        "messages": arrivals,
    }


async def main(loans: int = 100_000, days: int = 1) -> dict[str, Any]:
    kafka = KafkaSettings(
        bootstrap_servers=bootstrap(), topic_namespace=f"e2e{secrets.token_hex(3)}"
    )
    await create_topics(kafka, kafka.topics.all(), partitions=4)
    items = list(simulated_book(loans, days=days, run=kafka.topic_namespace, start=START))
    requests = len(await asyncio.to_thread(expected_requests, items))
    await publish_book(kafka, items)
    bare = await asyncio.to_thread(bare_consume_rate, kafka, len(items))
    with tempfile.TemporaryDirectory(dir=".local") as tmp:
        run = await pipeline(kafka, items, requests, Path(tmp))
    ours = len(items) / run["seconds"]
    return {
        "book_events_per_s": {
            "value": round(ours, 1),
            "baseline": round(bare, 1),
            "baseline_name": "bare aiokafka consumer reading the same book",
            "ratio": round(ours / bare, 4),
            "loans": loans,
            "events": len(items),
        },
        "book_phases": {
            "all_audited_s": round(run["seconds"], 1),
            "bare_consumer_s": round(len(items) / bare, 1),
            "scheduler_done_s": round(run["scheduler_s"], 1),
            "notifier_done_s": round(run["notifier_s"], 1),
        },
        "contact_requests": requests,
        "messages_delivered": run["messages"],
        "interactions_audited": run["interactions"],
        "messages_per_s": round(run["messages"] / run["seconds"], 1),
    }
