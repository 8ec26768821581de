"""Uncertain sends in memory (part of the in-memory notifier store), leased as in SQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from services.notifier.domain.uncertain import RECONCILE_LEASE, UncertainSend, UncertainSummary


class InMemoryUncertain:
    """:class:`~services.notifier.ports.UncertainStore` in a dictionary."""

    uncertain: dict[str, UncertainSend]

    async def keep_uncertain(self, send: UncertainSend) -> None:
        self.uncertain.setdefault(send.key, send)

    async def due_uncertain(self, now: datetime, limit: int) -> list[UncertainSend]:
        due = sorted(
            (s for s in self.uncertain.values() if s.next_check_at <= now),
            key=lambda s: (s.next_check_at, s.key),
        )[:limit]
        for send in due:
            self.uncertain[send.key] = replace(send, next_check_at=now + RECONCILE_LEASE)
        return due

    async def recheck_uncertain(self, key: str, *, checks: int, at: datetime) -> None:
        if key in self.uncertain:
            self.uncertain[key] = replace(self.uncertain[key], checks=checks, next_check_at=at)

    async def forget_uncertain(self, key: str) -> None:
        self.uncertain.pop(key, None)

    async def uncertain_summary(self) -> UncertainSummary:
        oldest = min((s.since for s in self.uncertain.values()), default=None)
        return UncertainSummary(len(self.uncertain), oldest)
