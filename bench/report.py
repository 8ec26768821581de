"""The benchmark report: ``bench/results/report.md`` and ``bench/results/figures.png`` from
``latest.json``; every figure beside its baseline, nothing typed in by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

from bench.common import RESULTS
from bench.targets import duration_rows, phase_rows, target_rows

REPORT = RESULTS.parent / "report.md"
PLOT = RESULTS.parent / "figures.png"


def compared(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Every figure measured beside a baseline: (service, name, figure)."""
    return [
        (service, name, figure)
        for service, figures in document["benchmarks"].items()
        for name, figure in figures.items()
        if isinstance(figure, dict) and "baseline" in figure
    ]


def latencies(document: dict[str, Any]) -> list[tuple[str, float, float]]:
    """(label, p50 ms, p99 ms) of every latency figure."""
    found = []
    for service, figures in document["benchmarks"].items():
        for name, figure in figures.items():
            if isinstance(figure, dict) and "p50_ms" in figure and "p99_ms" in figure:
                found.append((f"{service} {name}", figure["p50_ms"], figure["p99_ms"]))
            elif isinstance(figure, dict) and "p50_s" in figure:
                found.append((f"{service} {name}", figure["p50_s"] * 1000, figure["max_s"] * 1000))
    return found


def markdown(document: dict[str, Any]) -> str:
    machine, versions = document["machine"], document["versions"]
    lines = [
        "# Dunwell benchmark report",
        "",
        f"Measured {document['measured_at']} at commit `{document['commit']}` by `make bench`.",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, "
        f"{machine['os']}; Python {machine['python']}, SQLite {machine['sqlite']}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in sorted(versions.items())) + ".",
        "The broker, PostgreSQL, the provider sandbox and the services share these cores.",
        "",
        "## Issue 15's targets",
        "",
        *target_rows(document),
        "",
        "## Throughput beside its baseline (same run)",
        "",
        "| service | figure | value | baseline | ratio |",
        "|---|---|---:|---:|---:|",
    ]
    lines += throughput_rows(document)
    lines += book_and_durations(document)
    lines += ["", "## Latency", "", "| figure | p50 | p99 (max for lag) |", "|---|---:|---:|"]
    for label, p50, p99 in latencies(document):
        lines.append(f"| {label} | {p50:,.1f} ms | {p99:,.1f} ms |")
    others = [
        (service, name, figure)
        for service, figures in document["benchmarks"].items()
        for name, figure in figures.items()
        if isinstance(figure, dict)
        and "baseline" not in figure
        and "p50_ms" not in figure
        and "p50_s" not in figure
    ]
    if others:
        lines += ["", "## Other figures", ""]
        lines += [f"- {service} {name}: {json.dumps(figure)}" for service, name, figure in others]
    lines += ["", f"![throughput and latency]({PLOT.name})", ""]
    return "\n".join(lines)


def book_and_durations(document: dict[str, Any]) -> list[str]:
    """The end-to-end phases beside their services, and how long each section took."""
    return [
        "",
        "## The book end to end, phase by phase",
        "",
        "Each phase of the end-to-end run (the directory and the book side by side, the"
        " services' own first to last record) beside its service measured alone and that"
        " figure's baseline, all in this run.",
        "",
        *phase_rows(document),
        "",
        "## Time each section took",
        "",
        *duration_rows(document),
    ]


def throughput_rows(document: dict[str, Any]) -> list[str]:
    """The table's rows of figures beside their baselines, and what a range means."""
    rows = []
    for service, name, f in compared(document):
        ours = spread(f["value"], f.get("range"))
        theirs = spread(f["baseline"], f.get("baseline_range"))
        rows.append(
            f"| {service} | {name} | {ours} | {theirs} ({f['baseline_name']}) | {f['ratio']} |"
        )
    return [
        *rows,
        "",
        "A figure with a range in brackets is the median of its runs, the range their lowest"
        " and highest; its ratio is of the two medians.",
    ]


def spread(value: float, bounds: list[float] | None) -> str:
    """A figure as the report prints it: ``17,410 [16,900 to 17,800]`` for a median of runs."""
    if not bounds:
        return f"{value:,}"
    return f"{value:,} [{bounds[0]:,} to {bounds[1]:,}]"


def plot(document: dict[str, Any], path: Path) -> None:
    pairs = compared(document)
    lat = latencies(document)
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    labels = [f"{s} {n}" for s, n, _ in pairs]
    xs = range(len(pairs))
    left.bar([x - 0.2 for x in xs], [f["value"] for _, _, f in pairs], 0.4, label="Dunwell")
    left.bar([x + 0.2 for x in xs], [f["baseline"] for _, _, f in pairs], 0.4, label="baseline")
    left.set_yscale("log")
    left.set_xticks(list(xs), labels, fontsize=7, rotation=30, ha="right")
    left.set_ylabel("per second (log scale)")
    left.set_title("Throughput beside its baseline")
    left.legend()
    ys = range(len(lat))
    right.barh([y + 0.2 for y in ys], [p50 for _, p50, _ in lat], 0.4, label="p50")
    right.barh([y - 0.2 for y in ys], [p99 for _, _, p99 in lat], 0.4, label="p99 / max")
    right.set_xscale("log")
    right.set_yticks(list(ys), [label for label, _, _ in lat], fontsize=7)
    right.set_xlabel("milliseconds (log scale)")
    right.set_title("Latency")
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(results: Path = RESULTS) -> tuple[Path, Path]:
    """Write the report and the plot next to ``results``."""
    document = json.loads(results.read_text())
    report, figure = results.parent / REPORT.name, results.parent / PLOT.name
    plot(document, figure)
    report.write_text(markdown(document), encoding="utf-8")
    return report, figure
