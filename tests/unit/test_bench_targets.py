"""The report's "Done when" table and the end-to-end phases come from the results alone."""

from __future__ import annotations

import copy
from typing import Any

from bench import e2e_bench, targets
from bench.e2e_watch import Phase


def run(book_s: float, doubled: int = 0, audited: float = 30.0) -> dict[str, Any]:
    """One morning as :func:`bench.e2e_bench.run_figures` gives it."""
    phases = [
        Phase("directory", "notifier", "customers", 100),
        Phase("scheduler", "scheduler", "loans", 200),
        Phase("notifier", "notifier", "requests", 10),
        Phase("audit", "audit", "interactions", None, follows=(("notifier", "c", {}),)),
    ]
    for n, p in enumerate(phases):
        p.first, p.done, p.count = 100.0 + n, 100.0 + book_s * (n + 1) / 4, p.total or audited
    p.target = 30.0
    messages = [("aliyun", str(n), "text") for n in range(20 - doubled)] + [
        ("aliyun", "0", "text")
    ] * doubled
    return e2e_bench.run_figures(phases, {"notifier": 3.0}, {"sent": 20}, messages)


def test_one_run_times_the_book_from_the_first_record_to_the_last_audited() -> None:
    figures = run(40.0, doubled=1)
    assert figures["book_s"] == 40.0
    assert figures["phases"]["scheduler"] == {"records": 200, "seconds": 19.0, "done_at_s": 20.0}
    assert (figures["messages"], figures["doubled"], figures["audited"]) == (20, 1, 30.0)


def test_the_book_is_the_median_of_its_runs_each_phase_beside_its_own_service() -> None:
    figures = e2e_bench.figures(
        [run(40.0), run(50.0), run(80.0, audited=29.0)], [9e4] * 3, 10, 100, 310
    )
    assert figures["book_seconds"] | {"runs": 3} == {
        "value": 50.0,
        "range": [40.0, 80.0],
        "runs": 3,
        "loans": 100,
        "target_s": 60,
    }
    assert figures["phase_rates"]["scheduler"]["value"] == round(200 / 24.0)
    assert figures["phase_rates"]["scheduler"]["service_figure"] == ["scheduler", "events_per_s"]
    outcomes = figures["book_outcomes"]
    assert outcomes["all_sent"]
    assert outcomes["nothing_doubled"]
    assert not outcomes["every_interaction_audited"]


DOCUMENT: dict[str, Any] = {
    "benchmarks": {
        "scheduler": {"events_per_s": {"value": 6000, "baseline": 8000, "ratio": 0.75}},
        "audit": {"durable_appends_per_s": {"value": 20000, "range": [19000, 21000], "ratio": 0.4}},
    },
    "durations_s": {"scheduler": 600.0, "audit": 300.0},
}


def test_every_target_is_shown_beside_what_was_measured_and_whether_it_is_met() -> None:
    document = copy.deepcopy(DOCUMENT)
    document["benchmarks"]["e2e"] = e2e_bench.figures(
        [run(40.0), run(50.0), run(80.0)], [9e4] * 3, 10, 100, 310
    )
    rows = "\n".join(targets.target_rows(document))
    assert (
        "| scheduler, events/s per worker (`scheduler events_per_s`) | 6,000 | ≥ 5,000 | yes |"
        in rows
    )
    assert (
        "| scheduler, ratio to the fair bare agent (`scheduler events_per_s`) | 0.75 | ≥ 0.7"
        " | yes |" in rows
    )
    assert (
        "| audit, durable appends/s (`audit durable_appends_per_s`) | 20,000 [19,000 to 21,000]"
        " | ≥ 30,000 | no |" in rows
    )
    assert (
        "| 100,000-loan book end to end, s (`e2e book_seconds`) | 50.0 [40.0 to 80.0] | ≤ 60"
        " | yes |" in rows
    )
    assert "| book: nothing doubled (`e2e book_outcomes`) | True | yes | yes |" in rows
    assert "| directory ingest, records/s | not in this run | ≥ 10,000 | |" in rows
    assert "| `make bench` as a whole, minutes | 15.0 | ≤ 35 | yes |" in rows


def test_each_phase_is_set_beside_its_service_alone_and_that_figures_baseline() -> None:
    document = copy.deepcopy(DOCUMENT)
    document["benchmarks"]["e2e"] = e2e_bench.figures(
        [run(40.0), run(50.0), run(80.0)], [9e4] * 3, 10, 100, 310
    )
    rows = targets.phase_rows(document)
    scheduler = next(r for r in rows if r.startswith("| scheduler "))
    assert scheduler == (
        "| scheduler | 200 | 8 [5 to 11] | 25.0 | 6,000 (`scheduler events_per_s`) | 8,000"
        " | 0.001 |"
    )
    directory = next(r for r in rows if r.startswith("| directory "))
    assert "not in this run" in directory
    assert targets.duration_rows(document)[2:] == ["| scheduler | 10.0 |", "| audit | 5.0 |"]


def test_the_notifier_phase_is_set_beside_its_service_in_sends_as_well() -> None:
    document = copy.deepcopy(DOCUMENT)
    document["benchmarks"]["notifier"] = {"sqlite_msgs_per_s": {"value": 5, "baseline": 10}}
    document["benchmarks"]["e2e"] = e2e_bench.figures(
        [run(40.0), run(50.0), run(80.0)], [9e4] * 3, 10, 100, 310
    )
    rows = targets.phase_rows(document)
    sends = next(r for r in rows if r.startswith("| notifier, sends "))
    # 20 sends from the notifier's first request (102 s) to its last, 37.5 s in (median).
    assert sends == (
        "| notifier, sends | 20 | 1 [0 to 1] | 37.5 | 5 (`notifier sqlite_msgs_per_s`) | 10"
        " | 0.100 |"
    )
