"""The benchmark report is made from the results file alone: every compared figure, a plot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import common, report


def median_of_runs() -> dict[str, object]:
    return common.beside_baseline(
        [31_000.4, 29_500, 33_000], [60_000, 66_000, 64_000], "fair raw insert"
    )


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
            "fair_appends_per_s": median_of_runs(),
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


def test_a_figure_is_the_median_of_its_runs_with_their_range() -> None:
    figure = median_of_runs()
    assert (figure["value"], figure["range"], figure["runs"]) == (31_000, [29_500, 33_000], 3)
    assert (figure["baseline"], figure["baseline_range"]) == (64_000, [60_000, 66_000])
    assert figure["ratio"] == round(31_000.4 / 64_000, 3)
    with pytest.raises(ValueError, match="at least 3 runs"):
        common.median_of([1.0, 2.0])


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
    assert (
        "| audit | fair_appends_per_s | 31,000 [29,500 to 33,000] | "
        "64,000 [60,000 to 66,000] (fair raw insert) | 0.484 |"
    ) in text
    assert png.read_bytes().startswith(b"\x89PNG")
