"""The baseline: a bare faust agent that only counts the records of a topic.

``python -m bench.bare_agent TOPIC COUNT BOOTSTRAP`` prints ``{"events": n, "seconds": s}``, the
time from the first record to the COUNT-th, and exits.
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


def main(topic_name: str, count: int, bootstrap: str) -> None:
    app = faust.App(
        f"bench-bare-{os.getpid()}",
        datadir=tempfile.mkdtemp(prefix="bench-bare-"),
        broker=f"kafka://{bootstrap}",
        store="memory://",
        web_enabled=False,
        autodiscover=False,
        consumer_auto_offset_reset="earliest",
        topic_partitions=4,
    )
    topic = app.topic(topic_name, key_serializer="raw", value_serializer="raw")
    seen: dict[str, Any] = {"n": 0, "first": None}

    @app.agent(topic)
    async def count_records(stream: Any) -> None:
        async for _ in stream.events():
            seen["first"] = seen["first"] or time.monotonic()
            seen["n"] += 1
            if seen["n"] == count:
                elapsed = time.monotonic() - seen["first"]
                print(json.dumps({"events": count, "seconds": elapsed}), flush=True)
                os.kill(os.getpid(), signal.SIGTERM)

    faust.Worker(app, loglevel="WARNING").execute_from_commandline()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
