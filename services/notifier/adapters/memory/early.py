"""Receipts that overtook their sends, in memory (part of the in-memory notifier store)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.notifier.domain.inbound import EarlyReceipt
from services.notifier.domain.model import LedgerEntry, SentMessage
from shared.events import Channel


class InMemoryEarlyReceipts:
    """The early receipts of :class:`~services.notifier.ports.CallbackStore` in a dictionary."""

    ledger: dict[str, LedgerEntry]
    sends: dict[str, tuple[str, str | None, Channel]]
    seen: set[str]

    def __init__(self) -> None:
        self.early: dict[str, EarlyReceipt] = {}

    async def keep_early(self, receipts: Sequence[EarlyReceipt]) -> None:
        for receipt in receipts:
            self.early.setdefault(receipt.key, receipt)

    async def early_matched(self, limit: int) -> list[tuple[EarlyReceipt, SentMessage]]:
        named = {
            (e.provider, e.provider_message_id): e.key
            for e in self.ledger.values()
            if e.provider_message_id
        }
        found = []
        for early in sorted(self.early.values(), key=lambda e: e.at):
            keys = [named.get((early.provider, i)) for i in early.receipt.ids if i]
            key = next((k for k in keys if k is not None), None)
            if key is not None:
                debtor, loan, channel = self.sends[key]
                found.append((early, SentMessage(key, debtor, loan, channel)))
        return found[:limit]

    async def forget_early(self, callback_keys: Sequence[str], at: datetime) -> None:
        for key in callback_keys:
            self.seen.add(key)
            self.early.pop(key, None)

    async def early_count(self) -> int:
        return len(self.early)

    async def early_oldest(self) -> datetime | None:
        return min((e.at for e in self.early.values()), default=None)

    async def early_expired(self, before: datetime, limit: int) -> list[EarlyReceipt]:
        named = {(e.provider, e.provider_message_id) for e in self.ledger.values()}
        kept = sorted(self.early.values(), key=lambda e: e.at)
        return [
            e
            for e in kept
            if e.at < before and not any((e.provider, i) in named for i in e.receipt.ids if i)
        ][:limit]
