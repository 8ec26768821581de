"""The scheduler's fair baseline: a bare faust agent doing the least the scheduler must do.

It reads the same topic with the same processing guarantee (exactly_once: a Kafka transaction
per partition, read_committed) and writes one table entry per event (the record's key, its
value's length), as the scheduler writes each loan's state; no decoding, no decisions, no
outputs. ``python -m bench.bare_agent TOPIC COUNT BOOTSTRAP [PARTITIONS [WARMUP]]`` prints
``{"events": n, "seconds": s}`` at steady state: the time from the WARMUP-th record (a tenth of
COUNT unless given: the group has joined, the transactions have begun) to the COUNT-th, and
exits.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import time
from typing import Any

import faust


def main(
    topic_name: str, count: int, bootstrap: str, partitions: int = 4, warmup: int | None = None
) -> None:
    skip = max(1, count // 10 if warmup is None else warmup)
    app = faust.App(
        f"bench-bare-{os.getpid()}",
        datadir=tempfile.mkdtemp(prefix="bench-bare-"),
        broker=f"kafka://{bootstrap}",
        store="memory://",
        web_enabled=False,
        autodiscover=False,
        consumer_auto_offset_reset="earliest",
        processing_guarantee="exactly_once",
        topic_partitions=partitions,
        producer_acks=-1,
    )
    topic = app.topic(topic_name, key_serializer="raw", value_serializer="raw")
    state = app.Table("state", default=None, partitions=partitions)
    seen: dict[str, Any] = {"n": 0, "first": None}

    @app.agent(topic)
    async def count_records(stream: Any) -> None:
        async for event in stream.events():
            state[event.key or b"-"] = len(event.value or b"")
            seen["n"] += 1
            if seen["n"] == skip:
                seen["first"] = time.monotonic()
            if seen["n"] == count:
                elapsed = time.monotonic() - seen["first"]
                print(json.dumps({"events": count - skip, "seconds": elapsed}), flush=True)
                os.kill(os.getpid(), signal.SIGTERM)

    worker = faust.Worker(app, loglevel="WARNING")
    # As the scheduler's worker: no terminal spinner, which at WARNING would set the root
    # logger to DEBUG and have every debug call of faust build a record for it.
    worker.spinner = None
    worker.execute_from_commandline()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], *(int(a) for a in sys.argv[4:6]))
