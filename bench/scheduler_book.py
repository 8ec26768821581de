"""The scheduler benchmarks' book and probes: the broker, a simulated book's records, and the
running scheduler's sweep figures."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from sandbox.loanbook import Item, simulated_book
from sandbox.smtp import free_port
from sandbox.stack import SERVICES, Stack, StackConfig
from shared.events import BusinessDayClosed
from shared.settings import KafkaSettings


def bench_stack(kafka: KafkaSettings, workdir: Path) -> Stack:
    """The services' stack on ``kafka``'s broker and namespace, quiet (warnings only)."""
    return Stack(
        StackConfig(
            bootstrap_servers=kafka.bootstrap_servers,
            workdir=workdir,
            smtp_port=free_port(),
            namespace=kafka.topic_namespace,
            ports={s: free_port() for s in SERVICES},
            log_level="WARNING",
        )
    )


def bootstrap() -> str:
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or (
        f"127.0.0.1:{os.environ.get('KAFKA_PORT', '19092')}"
    )


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
