"""The notifier's own metrics. Labels: channel, provider, outcome; never a customer identifier."""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter, Histogram

MESSAGES: Final = Counter(
    "notifier_messages",
    "Contact requests handled per channel, by outcome.",
    ["channel", "outcome"],  # outcome: sent | blocked | uncertain | failed | duplicate
)
PROVIDER_SECONDS: Final = Histogram(
    "notifier_provider_request_duration_seconds",
    "Time the provider took to accept a message.",
    ["provider"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
