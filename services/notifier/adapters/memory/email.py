"""The email part of the in-memory store: bounced contact points and kept mail."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from services.notifier.domain.email_inbound import KeptMail


class InMemoryEmail:
    """the email part of :class:`~services.notifier.ports.CallbackStore` in dictionaries."""

    def __init__(self) -> None:
        self.bounced: dict[str, set[str]] = defaultdict(set)
        self.kept: dict[str, KeptMail] = {}

    async def mark_undeliverable(self, debtor_id: str, point_id: str, at: datetime) -> bool:
        if point_id in self.bounced[debtor_id]:
            return False
        self.bounced[debtor_id].add(point_id)
        return True

    async def undeliverable(self, debtor_id: str) -> frozenset[str]:
        return frozenset(self.bounced.get(debtor_id, ()))

    async def keep_mail(self, mail: KeptMail) -> bool:
        if mail.key in self.kept:
            return False
        self.kept[mail.key] = mail
        return True
