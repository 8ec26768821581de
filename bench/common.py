"""What every benchmark shares: the machine's description and the results file."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import statistics
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
#: Every figure is the median of at least this many runs.
MIN_RUNS = 3


def machine() -> dict[str, Any]:
    """Where the figures were measured."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024**2, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "kernel": platform.release(),
    }


def versions() -> dict[str, str]:
    packages = ("aiokafka", "faust-streaming", "aiohttp", "sqlalchemy", "cryptography")
    found = {name: version(name) for name in packages}
    jars = sorted(Path(".local/kafka/jars").glob("kafka_2.13-*.jar"))
    if jars:
        found["apache-kafka"] = jars[-1].stem.removeprefix("kafka_2.13-")
    return found


def git_commit() -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip()


def record(section: str, figures: dict[str, Any]) -> None:
    """Merge one benchmark's figures into ``bench/results/latest.json``."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    document: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    document.update(
        {
            "measured_at": datetime.now(UTC).isoformat(),
            "commit": git_commit(),
            "machine": machine(),
            "versions": versions(),
        }
    )
    document.setdefault("benchmarks", {})[section] = figures
    RESULTS.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def record_duration(section: str, seconds: float) -> None:
    """Note how long one section of ``make bench`` took (the report sums them)."""
    document: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    document.setdefault("durations_s", {})[section] = round(seconds, 1)
    RESULTS.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def median_of(samples: Sequence[float], digits: int = 0) -> dict[str, Any]:
    """A figure measured several times: the median of the runs, with their range.

    :param samples: one value per run (at least three).
    :param digits: how many decimals the figure keeps.
    """
    if len(samples) < MIN_RUNS:
        raise ValueError(f"a figure needs at least {MIN_RUNS} runs, got {len(samples)}")
    return {
        "value": _rounded(statistics.median(samples), digits),
        "range": [_rounded(min(samples), digits), _rounded(max(samples), digits)],
        "runs": len(samples),
    }


def beside_baseline(
    values: Sequence[float],
    baselines: Sequence[float],
    baseline_name: str,
    *,
    digits: int = 0,
    **extra: Any,
) -> dict[str, Any]:
    """A throughput figure beside its baseline, both medians of the same run's repetitions;
    the ratio is of the two medians."""
    ours, theirs = median_of(values, digits), median_of(baselines, digits)
    return {
        **ours,
        "baseline": theirs["value"],
        "baseline_range": theirs["range"],
        "baseline_name": baseline_name,
        "ratio": round(statistics.median(values) / statistics.median(baselines), 3),
        **extra,
    }


def _rounded(value: float, digits: int) -> float | int:
    return round(value) if digits == 0 else round(value, digits)
