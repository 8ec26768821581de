"""The end-to-end run's watch: one /metrics page per process per poll, summed per service, and
when each phase is done (a receipt the sandbox stopped retrying does not hold the run)."""

from __future__ import annotations

from bench import e2e_bench
from bench.e2e_watch import GIVE_UP_S, QUIET_S, Phase, Scrape, book_phases, counters_of, take_counts
from bench.e2e_watch import total as total_of
from shared.topics import Topics

PAGE = """# HELP dunwell_events_consumed_total Records taken.
# TYPE dunwell_events_consumed_total counter
dunwell_events_consumed_total{outcome="processed",service="notifier",topic="t.requests"} 7.0
dunwell_events_consumed_total{outcome="dead_lettered",service="notifier",topic="t.requests"} 1.0
dunwell_events_consumed_created{outcome="processed",service="notifier",topic="t.requests"} 1.7e9
notifier_messages_total{channel="sms",outcome="sent"} 5.0
notifier_send_seconds_bucket{le="0.1"} 3.0
"""


def test_a_page_gives_only_the_counters_asked_for() -> None:
    samples = counters_of(PAGE, {"dunwell_events_consumed"})
    assert sorted(v for _, _, v in samples) == [1.0, 7.0]
    assert all(name == "dunwell_events_consumed_total" for name, _, _ in samples)


def test_a_count_is_summed_over_the_service_s_processes() -> None:
    found: Scrape = {"notifier": counters_of(PAGE, {"dunwell_events_consumed"}) * 2}
    processed = ("notifier", "dunwell_events_consumed", {"outcome": "processed"})
    assert total_of(found, processed) == 14.0
    assert total_of(found, ("notifier", "dunwell_events_consumed", {})) == 16.0
    assert total_of(found, ("audit", "dunwell_events_consumed", {})) == 0.0


def scrape(
    consumed: float, sent: float, accepted: float, published: float, audited: float
) -> Scrape:
    def line(counter: str, value: float, **labels: str) -> tuple[str, dict[str, str], float]:
        return (f"{counter}_total", labels, value)

    t = Topics("t")
    return {
        "notifier": [
            line(
                "dunwell_events_consumed", consumed, topic=t.contact_requests, outcome="processed"
            ),
            line("notifier_messages", sent, channel="sms", outcome="sent"),
            line("notifier_callbacks", accepted, result="accepted"),
            line("dunwell_events_published", published, topic=t.interactions),
        ],
        "audit": [
            line("dunwell_events_consumed", audited, topic=t.interactions, outcome="processed")
        ],
        "scheduler": [],
    }


def done(phase: Phase) -> float | None:
    """When the phase was seen done (read anew after each poll)."""
    return phase.done


def phases() -> list[Phase]:
    found = book_phases(Topics("t"), 0, 0, 10)
    return [p for p in found if p.name in ("notifier", "receipts", "audit")]


def test_the_receipts_wait_for_every_text_then_the_audit_for_every_interaction() -> None:
    book, changed = phases(), {"notifier": 0.0, "receipts": 0.0, "audit": 0.0}
    take_counts(book, scrape(10, 10, 9, 19, 19), 1.0, changed)
    assert book[0].done == 1.0
    assert book[0].first == 1.0
    take_counts(book, scrape(10, 10, 9, 19, 19), 1.0 + QUIET_S + 1, changed)
    assert done(book[1]) is None, "a receipt still to come holds the phase"
    take_counts(book, scrape(10, 10, 10, 20, 20), 5.0, changed)
    take_counts(book, scrape(10, 10, 10, 20, 20), 5.0 + QUIET_S, changed)
    assert (done(book[1]), done(book[2])) == (5.0, 5.0)
    assert book[1].missing == 0.0


def test_a_receipt_never_coming_ends_the_phase_after_the_sandbox_s_retries_counted() -> None:
    book, changed = phases(), {"notifier": 0.0, "receipts": 0.0, "audit": 0.0}
    take_counts(book, scrape(10, 10, 8, 18, 18), 1.0, changed)
    take_counts(book, scrape(10, 10, 8, 18, 18), 1.0 + GIVE_UP_S - 0.1, changed)
    assert done(book[1]) is None
    take_counts(book, scrape(10, 10, 8, 18, 18), 1.0 + GIVE_UP_S, changed)
    take_counts(book, scrape(10, 10, 8, 18, 18), 1.0 + GIVE_UP_S + QUIET_S, changed)
    assert done(book[1]) == 1.0, "done when its count last moved, not when given up on"
    assert book[1].missing == 2.0
    assert done(book[2]) == 1.0, "every interaction published is still audited"


def test_a_run_s_figures_count_the_missing_receipts_and_the_sends_per_second() -> None:
    book = book_phases(Topics("t"), 4, 6, 2)
    for n, p in enumerate(book):
        p.first, p.done, p.count, p.target = 10.0, 12.0 + n, 2.0, 3.0
    messages = [
        ("aliyun", "1", "a"),
        ("email", "1", "b"),
        ("aliyun", "2", "a"),
        ("email", "2", "b"),
    ]
    figures = e2e_bench.run_figures(book, {}, {"sent": 4}, messages)
    assert figures["receipts_missing"] == 1.0
    assert figures["sends_per_s"] == 4 / 4.0
    assert figures["book_s"] == 6.0
