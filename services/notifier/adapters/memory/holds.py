"""Disputes holding a debtor's debts, in memory (part of the in-memory notifier store), with
the same rules as the SQL store."""

from __future__ import annotations

import asyncio
from datetime import datetime

from services.notifier.domain.policy.scenario import Hold


class InMemoryHolds:
    """:class:`~services.notifier.ports.HoldStore` in a dictionary: dispute id -> (debtor,
    hold, released)."""

    debt_holds: dict[str, tuple[str, Hold, bool]]
    _locks: dict[str, asyncio.Lock]

    def open_holds(self, debtor_id: str) -> tuple[Hold, ...]:
        return tuple(
            h for d, h, released in self.debt_holds.values() if d == debtor_id and not released
        )

    async def open_hold(self, debtor_id: str, hold: Hold, at: datetime) -> bool:
        async with self._locks[debtor_id]:
            if hold.dispute_id in self.debt_holds:
                return False
            self.debt_holds[hold.dispute_id] = (debtor_id, hold, False)
            return True

    async def release_hold(self, debtor_id: str, hold: Hold, at: datetime) -> bool:
        async with self._locks[debtor_id]:
            known = self.debt_holds.get(hold.dispute_id)
            if known is not None and known[2]:
                return False
            self.debt_holds[hold.dispute_id] = (debtor_id, known[1] if known else hold, True)
            return True

    async def holds(self, debtor_id: str) -> tuple[Hold, ...]:
        return self.open_holds(debtor_id)
