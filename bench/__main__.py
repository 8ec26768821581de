"""``make bench``: every service benchmark, each beside its baseline, into bench/results/."""

from __future__ import annotations

import asyncio
import sys
import time

from bench import (
    audit_bench,
    directory_bench,
    e2e_bench,
    notifier_bench,
    report,
    scheduler_bench,
)
from bench.common import record, record_duration
from bench.scheduler_bench import bootstrap
from shared.kafka import delete_topics, list_topics
from shared.settings import KafkaSettings


def main() -> int:
    sections = {
        "scheduler": lambda: asyncio.run(scheduler_bench.main()),
        "audit": lambda: asyncio.run(audit_bench.main(audit_bench.parse([]))),
        "notifier": lambda: asyncio.run(notifier_bench.main()),
        "directory": lambda: asyncio.run(directory_bench.main(directory_bench.parse([]))),
        "e2e": lambda: asyncio.run(e2e_bench.main()),
    }
    chosen = [n for n in sys.argv[1:] if n != "report"] or (
        [] if sys.argv[1:] == ["report"] else list(sections)
    )
    settings = KafkaSettings(bootstrap_servers=bootstrap())
    before = set(asyncio.run(list_topics(settings))) if chosen else set()
    try:
        for name in chosen:
            began = time.monotonic()
            figures = sections[name]()
            record(name, figures)
            record_duration(name, time.monotonic() - began)
            for key, value in figures.items():
                print(f"{name} {key}: {value}")
    finally:
        if chosen:  # the benchmarks' topics, so that the local broker does not accumulate them
            asyncio.run(delete_topics(settings, lambda topic: topic not in before))
    written = report.write()
    print("report:", *written)
    return 0


if __name__ == "__main__":
    sys.exit(main())
