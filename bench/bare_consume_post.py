"""The notifier's baseline: a bare aiokafka consumer that POSTs each record to an HTTP endpoint.

``python -m bench.bare_consume_post TOPIC COUNT BOOTSTRAP URL`` consumes COUNT records, POSTs
each one's value to URL (one keep-alive session, one request at a time, like the notifier),
commits after each batch, and exits. No decoding, no gate, no ledger: the floor of the cost.
"""

from __future__ import annotations

import asyncio
import os
import sys

import aiohttp
from aiokafka import AIOKafkaConsumer


async def main(topic: str, count: int, bootstrap: str, url: str) -> None:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-bare-post-{os.getpid()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    await consumer.start()
    done = 0
    try:
        async with aiohttp.ClientSession() as session:
            while done < count:
                batches = await consumer.getmany(timeout_ms=500, max_records=200)
                for records in batches.values():
                    for record in records:
                        async with session.post(url, data=record.value or b"") as response:
                            response.raise_for_status()
                        done += 1
                if batches:
                    await consumer.commit()
    finally:
        await consumer.stop()


if __name__ == "__main__":
    topic, count, bootstrap, url = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    asyncio.run(main(topic, count, bootstrap, url))
