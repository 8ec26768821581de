"""Directory ingest benchmark: contact-details records/s into the running notifier's directory.

Each run publishes a simulated book's contact details (the customers of ``--loans`` loans) to
fresh topics, starts the notifier as its own process on a fresh SQLite database (the
directory, no providers: email only), and times from its first consumed record to its last.
The notifier's start-up catch-up is off (0 s): it would write the whole book before the
consume loop starts, and the loop would then time only idempotent re-writes of entries already
there; so the loop writes every entry, its contact points and its holds' release for the first
time. Beside it, in the same run, a bare aiokafka consumer reads the same records off the same
topic. Every figure is the median of the runs with their range.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import MIN_RUNS, beside_baseline, record
from bench.e2e_bench import START, bare_consume_rate, publish_book, until
from bench.scheduler_bench import bootstrap
from sandbox.loanbook import Item, simulated_book
from sandbox.smtp import SmtpInbox, free_port
from sandbox.stack import Stack, StackConfig
from shared.kafka import create_topics
from shared.settings import KafkaSettings


def customers(loans: int, namespace: str) -> list[Item]:
    """The contact details of a book's borrowers (and guarantors)."""
    book = simulated_book(loans, days=0, run=namespace, start=START)
    return [item for item in book if item.kind == "customer"]


async def one_run(loans: int, workdir: Path) -> tuple[float, float, int]:
    """(records/s into the directory, the bare consumer's records/s, records)."""
    kafka = KafkaSettings(
        bootstrap_servers=bootstrap(), topic_namespace=f"dir{secrets.token_hex(3)}"
    )
    await create_topics(kafka, kafka.topics.all(), partitions=4)
    items = customers(loans, kafka.topic_namespace)
    await publish_book(kafka, items)
    bare = await asyncio.to_thread(bare_consume_rate, kafka, len(items))
    inbox = SmtpInbox().start()
    config = StackConfig(
        bootstrap_servers=kafka.bootstrap_servers,
        workdir=workdir,
        smtp_port=inbox.port,
        namespace=kafka.topic_namespace,
        ports={"notifier": free_port(), "audit": free_port(), "scheduler": free_port()},
        log_level="WARNING",
    )
    stack = Stack(config)
    try:
        stack.start("notifier", extra_env={"DUNWELL_NOTIFIER_DIRECTORY_CATCH_UP_S": "0"})
        await stack.wait_ready("notifier", timeout_s=300)

        def directory() -> Any:
            return stack.consumed("notifier", kafka.topics.customer_events)

        await until("directory: first record", 1, directory, 300)
        began, before = time.monotonic(), await directory()  # what went before is not timed
        done = await until("directory: contact details", len(items), directory)
    finally:
        stack.stop_all()
        inbox.stop()
    return (len(items) - before) / (done - began), bare, len(items)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    rates: list[float] = []
    bare: list[float] = []
    count = 0
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(dir=".local") as tmp:
            rate, floor, count = await one_run(args.loans, Path(tmp) / f"run{run}")
        rates.append(rate)
        bare.append(floor)
    return {
        "ingest_records_per_s": beside_baseline(
            rates,
            bare,
            "bare aiokafka consumer reading the same records",
            digits=1,
            records=count,
            what="contact details into the running notifier's directory (SQLite)",
        )
    }


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loans", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=MIN_RUNS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    figures = asyncio.run(main(parse()))
    record("directory", figures)
    for name, value in figures.items():
        print(f"{name}: {value}")
