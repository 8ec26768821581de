"""Issue 15's "Done when" figures, each beside its target, and the end-to-end phases beside
their own services' figures and baselines: rows of ``report.md`` read from the results."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: ``make bench`` as a whole, in minutes, on an idle machine.
BENCH_MINUTES = 35


@dataclass(frozen=True)
class Target:
    """A figure the issue names: the first of ``names`` found in ``section``, its ``key``."""

    label: str
    section: str
    names: tuple[str, ...]
    key: str
    limit: float | bool
    at_least: bool = True


TARGETS = (
    Target(
        "notifier, SQLite, msgs/s per worker", "notifier", ("sqlite_msgs_per_s",), "value", 1500
    ),
    Target(
        "notifier, SQLite, ratio to its baseline", "notifier", ("sqlite_msgs_per_s",), "ratio", 0.5
    ),
    Target("notifier, PostgreSQL, msgs/s", "notifier", ("postgres_msgs_per_s",), "value", 1500),
    Target("notifier, PostgreSQL, ratio", "notifier", ("postgres_msgs_per_s",), "ratio", 0.5),
    Target(
        "notifier, SQLite, p99 ms at 500/s",
        "notifier",
        ("sqlite_latency_at_target",),
        "p99_ms",
        250,
        at_least=False,
    ),
    Target(
        "notifier, PostgreSQL, p99 ms at 500/s",
        "notifier",
        ("postgres_latency_at_target",),
        "p99_ms",
        250,
        at_least=False,
    ),
    Target("directory ingest, records/s", "directory", ("ingest_records_per_s",), "value", 10_000),
    Target("scheduler, events/s per worker", "scheduler", ("events_per_s",), "value", 5000),
    Target("scheduler, ratio to the fair bare agent", "scheduler", ("events_per_s",), "ratio", 0.7),
    Target(
        "scheduler, 1,000,000-loan close, s",
        "scheduler",
        # through the real agent and table only: the planner's in-process sweep is not it
        ("daily_close_1m_loans",),
        "seconds",
        120,
        at_least=False,
    ),
    Target("audit, durable appends/s", "audit", ("durable_appends_per_s",), "value", 30_000),
    Target(
        "audit, ratio to the fair raw insert", "audit", ("durable_appends_per_s",), "ratio", 0.5
    ),
    Target(
        "100,000-loan book end to end, s", "e2e", ("book_seconds",), "value", 60, at_least=False
    ),
    Target("book: all sent", "e2e", ("book_outcomes",), "all_sent", True),
    Target("book: nothing doubled", "e2e", ("book_outcomes",), "nothing_doubled", True),
    Target(
        "book: every interaction audited",
        "e2e",
        ("book_outcomes",),
        "every_interaction_audited",
        True,
    ),
)


def _found(document: dict[str, Any], target: Target) -> tuple[str, Any] | None:
    figures = document.get("benchmarks", {}).get(target.section, {})
    for name in target.names:
        if isinstance(figures.get(name), dict) and target.key in figures[name]:
            return name, figures[name]
    return None


def _met(value: Any, target: Target) -> str:
    if isinstance(target.limit, bool):
        return "yes" if value is target.limit else "no"
    compare: Callable[[Any, Any], bool] = operator.ge if target.at_least else operator.le
    return "yes" if compare(value, target.limit) else "no"


def target_rows(document: dict[str, Any]) -> list[str]:
    """The table of every "Done when" figure: measured, target, met."""
    rows = ["| figure | measured | target | met |", "|---|---:|---:|---|"]
    for t in TARGETS:
        found = _found(document, t)
        if found is None:
            rows.append(f"| {t.label} | not in this run | {_limit(t)} | |")
            continue
        name, figure = found
        value = figure[t.key]
        shown = _spread(value, figure.get("range") if t.key == "value" else None)
        rows.append(
            f"| {t.label} (`{t.section} {name}`) | {shown} | {_limit(t)} | {_met(value, t)} |"
        )
    rows.append(_duration_row(document))
    return rows


def _limit(t: Target) -> str:
    if isinstance(t.limit, bool):
        return "yes"
    return ("≥ " if t.at_least else "≤ ") + f"{t.limit:,}"


def _spread(value: Any, bounds: list[float] | None) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{value:,}" + (f" [{bounds[0]:,} to {bounds[1]:,}]" if bounds else "")


def _duration_row(document: dict[str, Any]) -> str:
    durations = document.get("durations_s", {})
    if not durations:
        return f"| `make bench` as a whole, minutes | not timed | ≤ {BENCH_MINUTES} | |"
    minutes = sum(durations.values()) / 60
    met = "yes" if minutes <= BENCH_MINUTES else "no"
    return f"| `make bench` as a whole, minutes | {minutes:,.1f} | ≤ {BENCH_MINUTES} | {met} |"


def duration_rows(document: dict[str, Any]) -> list[str]:
    """How long each section of the last ``make bench`` took."""
    durations = document.get("durations_s", {})
    rows = ["| section | minutes |", "|---|---:|"]
    rows += [f"| {name} | {seconds / 60:,.1f} |" for name, seconds in durations.items()]
    return rows


def phase_rows(document: dict[str, Any]) -> list[str]:
    """Each end-to-end phase's rate beside its own service's figure and that figure's baseline,
    all from the same ``make bench``."""
    phases = document.get("benchmarks", {}).get("e2e", {}).get("phase_rates", {})
    rows = [
        "| phase | records | rate in the book, /s | done at, s | the service alone, /s |"
        " its baseline, /s | book rate / baseline |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, phase in phases.items():
        rows.append(_phase_row(document, name, phase))
        if "sends_per_s" in phase:  # the notifier's: a request is a text and an email
            sends = phase["sends_per_s"]
            per_send = {**phase, **sends, "records": phase.get("sends", 0)}
            rows.append(_phase_row(document, f"{name}, sends", per_send))
    return rows


def _phase_row(document: dict[str, Any], name: str, phase: dict[str, Any]) -> str:
    section, figure_name = phase["service_figure"]
    alone = document["benchmarks"].get(section, {}).get(figure_name, {})
    value, baseline = alone.get("value"), alone.get("baseline")
    ratio = f"{phase['value'] / baseline:.3f}" if baseline else ""
    return (
        f"| {name} | {phase['records']:,.0f} | {_spread(phase['value'], phase.get('range'))}"
        f" | {phase['done_at_s']:,} | {_spread(value, None) if value else 'not in this run'}"
        f" (`{section} {figure_name}`) | {_spread(baseline, None) if baseline else ''}"
        f" | {ratio} |"
    )
