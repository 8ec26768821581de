"""``make bench``: every service benchmark, each beside its baseline, into bench/results/."""

from __future__ import annotations

import asyncio
import sys

from bench import audit_bench
from bench.common import record


def main() -> int:
    figures = asyncio.run(audit_bench.main(audit_bench.parse([])))
    record("audit", figures)
    for name, value in figures.items():
        print(f"audit {name}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
