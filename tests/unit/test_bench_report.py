"""The benchmark report is made from the results file alone: every compared figure, a plot."""

from __future__ import annotations

import json
from pathlib import Path

from bench import report

RESULTS = {
    "measured_at": "2026-11-28T23:00:00+00:00",
    "commit": "abc1234",
    "machine": {
        "cpu": "CPU",
        "cores": 2,
        "memory_gib": 24,
        "os": "Linux",
        "python": "3.11",
        "sqlite": "3.40",
    },
    "versions": {"aiokafka": "0.14.0"},
    "benchmarks": {
        "audit": {
            "durable_appends_per_s": {
                "value": 17441,
                "baseline": 165311,
                "baseline_name": "raw insert",
                "ratio": 0.106,
            },
            "inclusion_proof_latency": {"p50_ms": 1.5, "p99_ms": 2.6},
        },
        "notifier": {
            "sqlite_msgs_per_s": {
                "value": 101.2,
                "baseline": 5780.6,
                "baseline_name": "bare consume and POST",
                "ratio": 0.018,
            },
            "sqlite_latency_at_half_capacity": {
                "offered_per_s": 50.7,
                "p50_ms": 8.7,
                "p99_ms": 12.6,
                "max_ms": 19.0,
            },
        },
    },
}


def test_the_report_quotes_every_figure_with_its_baseline_and_draws_them(tmp_path: Path) -> None:
    results = tmp_path / "latest.json"
    results.write_text(json.dumps(RESULTS))
    markdown, png = report.write(results)
    text = markdown.read_text()
    assert "| audit | durable_appends_per_s | 17,441 | 165,311 (raw insert) | 0.106 |" in text
    assert (
        "| notifier | sqlite_msgs_per_s | 101.2 | 5,780.6 (bare consume and POST) | 0.018 |" in text
    )
    assert "| notifier sqlite_latency_at_half_capacity | 8.7 ms | 12.6 ms |" in text
    assert png.read_bytes().startswith(b"\x89PNG")
