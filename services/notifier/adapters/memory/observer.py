"""An in-memory send observer: counts what the use cases report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext

from services.notifier.domain.policy.scenario import Decision, Outcome
from shared.events import Channel


class InMemorySendObserver:
    """Counts what it observes: ``counts[(channel, outcome)]``, ``decisions``, ``rules``."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self.decisions: list[tuple[Channel, Outcome]] = []
        self.rules: Counter[str] = Counter()
        self.provider_calls: Counter[str] = Counter()
        self.waiting = 0
        self.uncertain_now: tuple[int, float] = (0, 0.0)

    def counted(self, channel: Channel, outcome: str) -> None:
        self.counts[(channel, outcome)] += 1

    def decided(self, channel: Channel, decision: Decision) -> None:
        self.decisions.append((channel, decision.outcome))

    def rules_hit(self, rules: Sequence[str]) -> None:
        self.rules.update(rules)

    def provider_time(self, channel: Channel) -> AbstractContextManager[object]:
        self.provider_calls[channel] += 1
        return nullcontext()

    def backlog(self, waiting: int) -> None:
        self.waiting = waiting

    def uncertain(self, count: int, oldest_age_s: float) -> None:
        self.uncertain_now = (count, oldest_age_s)
