"""The end-to-end baseline: a bare aiokafka consumer reading topics from the beginning.

``python -m bench.bare_consume COUNT BOOTSTRAP TOPIC...`` reads COUNT records across the topics
in one consumer group, commits after each batch, and prints ``{"events": n, "seconds": s}``
(first record to the COUNT-th). No decoding, no state, no output: the floor of the cost of
taking a book off the broker.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time

from aiokafka import AIOKafkaConsumer


async def main(count: int, bootstrap: str, topics: list[str]) -> None:
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=f"bench-bare-consume-{os.getpid()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    await consumer.start()
    done, first = 0, None
    try:
        while done < count:
            batches = await consumer.getmany(timeout_ms=500, max_records=500)
            for records in batches.values():
                first = first or time.monotonic()
                done += len(records)
            if batches:
                await consumer.commit()
    finally:
        await consumer.stop()
    seconds = time.monotonic() - (first or time.monotonic())
    print(json.dumps({"events": done, "seconds": seconds}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], sys.argv[3:]))
