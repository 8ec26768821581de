"""The daily close of a large book through the running scheduler: its loans loaded into the
loan Table, then one close of business per partition swept by the agent, timed from the closes'
publication to the last output the sweeps published.

The loans are real scheduler states: a small simulated book is run through the scheduler's own
handler in process (a close every day) and its loans' states are copied under new loan ids into
the Table's changelog topic, from which the worker recovers them before the closes are sent. The
worker runs on RocksDB, the production store (as models a million loans do not fit in memory).
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from tqdm import tqdm

from bench.scheduler_book import bench_stack, book_items, bootstrap, sweeps
from sandbox.stack import Stack
from services.scheduler.adapters import loan_codec
from services.scheduler.bootstrap import memory_deps
from services.scheduler.domain.loan import Loan
from services.scheduler.entrypoints.consumers import StreamRecord
from services.scheduler.handlers.track_loans import handle_loan_record
from shared.events import BusinessDayClosed, encode
from shared.kafka import client_options, create_topics
from shared.settings import KafkaSettings

PARTITIONS = 4
#: Where the worker's state goes (absolute: the worker may run from another directory).
LOCAL = Path(__file__).resolve().parents[1] / ".local"
#: How long the worker may take to recover the loans into its Table before the close is given
#: up (the scheduler section's other figures are kept).
RECOVERY_LIMIT_S = 420


async def template_states(loans: int, days: int) -> tuple[list[Loan], date]:
    """Loan states after a simulated book's days (a close every day) but the last, and that
    last business date (the close to time)."""
    deps = memory_deps()
    items = book_items(loans, days, "close", close_every=1)
    closes = [i.event.business_date for i in items if isinstance(i.event, BusinessDayClosed)]
    last = max(closes)
    for offset, item in enumerate(items):
        if isinstance(item.event, BusinessDayClosed) and item.event.business_date == last:
            continue
        record = encode(item.event, source="/corebanking/simulator")
        await handle_loan_record(
            StreamRecord(
                "loans",
                item.partition or 0,
                offset,
                record.key,
                record.value,
                list(record.headers),
                0,
            ),
            deps,
        )
    return list(deps.loans.loans.values()), last  # type: ignore[attr-defined]


async def load_changelog(kafka: KafkaSettings, topic: str, states: list[Loan], n: int) -> None:
    """``n`` loans on the Table's changelog (key and value as the Table writes them: the
    value in the Table's compact form, ``loan_codec``)."""
    producer = AIOKafkaProducer(
        **client_options(kafka), acks=1, linger_ms=20, max_batch_size=1_000_000
    )
    await producer.start()
    try:
        pending: list[Any] = []
        for number in tqdm(range(n), desc="scheduler close: loading loans", unit="loan"):
            template = states[number % len(states)]
            state = template.model_copy(
                update={"loan_id": f"{template.loan_id}-{number}", "partition": number % PARTITIONS}
            )
            pending.append(
                await producer.send(
                    topic,
                    loan_codec.dumps(state),
                    key=orjson.dumps(state.loan_id),
                    partition=number % PARTITIONS,
                )
            )
            if len(pending) >= 20_000:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def last_output_at(kafka: KafkaSettings, topics: list[str]) -> tuple[float, int]:
    """(the latest timestamp of a record on ``topics``, in seconds; how many records they hold)."""
    consumer = AIOKafkaConsumer(**client_options(kafka), enable_auto_commit=False)
    await consumer.start()
    try:
        parts = [TopicPartition(t, p) for t in topics for p in range(PARTITIONS)]
        consumer.assign(parts)
        ends = await consumer.end_offsets(parts)
        latest = 0.0
        for tp in parts:
            if ends[tp] == 0:
                continue
            consumer.seek(tp, ends[tp] - 1)
            found = await consumer.getmany(tp, timeout_ms=5000)
            for record in found.get(tp, []):
                latest = max(latest, record.timestamp / 1000)
        return latest, sum(ends.values())
    finally:
        await consumer.stop()


async def main(loans: int = 1_000_000, templates: int = 2_000, days: int = 45) -> dict[str, Any]:
    """Seconds from the closes' publication to the last output, and what else it took."""
    states, day = await template_states(templates, days)
    kafka = KafkaSettings(
        bootstrap_servers=bootstrap(), topic_namespace=f"close{secrets.token_hex(3)}"
    )
    app_id = f"bench-close-{secrets.token_hex(2)}"
    changelog = f"{app_id}-{kafka.topic_namespace}-loans-changelog"
    await create_topics(kafka, (*kafka.topics.all(), changelog), partitions=PARTITIONS)
    loaded = time.monotonic()
    await load_changelog(kafka, changelog, states, loans)
    loaded = time.monotonic() - loaded
    with tempfile.TemporaryDirectory(dir=LOCAL) as tmp:
        stack = bench_stack(kafka, Path(tmp))
        started = time.monotonic()
        env = {"DUNWELL_SCHEDULER_APP_ID": app_id, "DUNWELL_SCHEDULER_STORE": "rocksdb://"}
        stack.start("scheduler", env)
        about = {"loans": loans, "publishing_loans_s": round(loaded, 1), "store": "rocksdb://"}
        try:
            try:
                await stack.wait_ready("scheduler", timeout_s=RECOVERY_LIMIT_S)
            except TimeoutError:
                # No figure rather than none of the section's: the report shows it not measured.
                return about | {"not_measured": f"recovery over {RECOVERY_LIMIT_S} s"}
            recovered = time.monotonic() - started
            return (
                await _close(kafka, stack, day, loans)
                | about
                | {"recovering_table_s": round(recovered, 1)}
            )
        finally:
            stack.stop_all()


async def _publish_closes(kafka: KafkaSettings, day: date) -> float:
    """One close of business to each partition of the loan topic; when they were sent."""
    producer = AIOKafkaProducer(**client_options(kafka), acks="all")
    await producer.start()
    sent = time.time()
    try:
        for partition in range(PARTITIONS):
            close = BusinessDayClosed(
                event_id=f"close-{day}-{partition}",
                occurred_at=datetime.fromtimestamp(sent, UTC),
                business_date=day,
            )
            record = encode(close, source="/corebanking/simulator")
            await producer.send_and_wait(
                kafka.topics.loan_events,
                record.value,
                key=record.key,
                partition=partition,
                headers=list(record.headers),
            )
    finally:
        await producer.stop()
    return sent


async def _close(kafka: KafkaSettings, stack: Stack, day: date, loans: int) -> dict[str, Any]:
    """Publish one close per partition; wait for every loan swept and its outputs."""
    sent = await _publish_closes(kafka, day)
    with tqdm(total=loans, desc="scheduler close: swept", unit="loan") as bar:
        while (swept := int((await sweeps(stack))[1])) < loans or await stack.consumed(
            "scheduler", outcome=None
        ) < PARTITIONS:
            bar.update(swept - bar.n)
            await asyncio.sleep(0.5)
        bar.update(swept - bar.n)
    swept_at = time.time() - sent
    await asyncio.sleep(5)  # the last commit: every output acknowledged
    topics = kafka.topics
    latest, outputs = await last_output_at(
        kafka, [topics.contact_requests, topics.tasks, topics.delinquency]
    )
    seconds = max(latest, sent + swept_at) - sent
    return {
        "seconds": round(seconds, 1),
        "loans_swept": swept,
        "loans_per_s": round(swept / seconds),
        "outputs": outputs,
        "swept_all_s": round(swept_at, 1),
    }
