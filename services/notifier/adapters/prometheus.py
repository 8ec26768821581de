"""The notifier's send observer on Prometheus (the metrics defined in ``metrics.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager

from services.notifier.domain.policy.scenario import Decision
from services.notifier.metrics import (
    DEFERRED_BACKLOG,
    GATE_DECISIONS,
    GATE_RULES,
    MESSAGES,
    PROVIDER_SECONDS,
    UNCERTAIN_OLDEST_AGE,
    UNCERTAIN_SENDS,
    labelled,
)
from shared.events import Channel


class PrometheusSendObserver:
    """:class:`~services.notifier.ports.SendObserver` counting into the notifier's metrics."""

    def counted(self, channel: Channel, outcome: str) -> None:
        labelled(MESSAGES, channel, outcome).inc()

    def decided(self, channel: Channel, decision: Decision) -> None:
        labelled(GATE_DECISIONS, channel, decision.outcome.value.lower()).inc()

    def rules_hit(self, rules: Sequence[str]) -> None:
        for rule in rules:
            labelled(GATE_RULES, rule).inc()

    def provider_time(self, channel: Channel) -> AbstractContextManager[object]:
        return labelled(PROVIDER_SECONDS, channel).time()

    def backlog(self, waiting: int) -> None:
        DEFERRED_BACKLOG.set(waiting)

    def uncertain(self, count: int, oldest_age_s: float) -> None:
        UNCERTAIN_SENDS.set(count)
        UNCERTAIN_OLDEST_AGE.set(oldest_age_s)
