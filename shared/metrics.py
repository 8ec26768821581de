"""Metrics every consumer shares, defined once. Base units, ``_total`` counters, bounded labels.

Labels never carry a customer identifier: only service, topic, outcome and bounded reason codes.
"""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter, Histogram

EVENTS_CONSUMED: Final = Counter(
    "dunwell_events_consumed",
    "Records taken from Kafka, by what became of them.",
    ["service", "topic", "outcome"],  # outcome: processed | dead_lettered | retried
)
COMMITS_REFUSED: Final = Counter(
    "dunwell_commits_refused",
    "Offset commits the group refused because the partitions had been given to another member.",
    ["service", "topic"],
)
DEAD_LETTERS: Final = Counter(
    "dunwell_dead_letters",
    "Records sent to a dead-letter topic, by bounded reason code.",
    ["service", "topic", "reason"],
)
EVENTS_PUBLISHED: Final = Counter(
    "dunwell_events_published",
    "Events published to Kafka and acknowledged by the broker.",
    ["service", "topic"],
)
PRODUCERS_REPLACED: Final = Counter(
    "dunwell_kafka_producers_replaced",
    "Kafka producers replaced after a sequence error left them unable to send.",
    ["service"],
)
HANDLER_SECONDS: Final = Histogram(
    "dunwell_handler_duration_seconds",
    "Time to handle one record, from decode to durable effect.",
    ["service", "topic"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
CONSUMER_LAG_SECONDS: Final = Histogram(
    "dunwell_consumer_time_lag_seconds",
    "Age of a record when it is taken from Kafka (now minus the record timestamp).",
    ["service", "topic"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600),
)
